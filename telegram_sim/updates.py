"""The update queue: what simulated users did, waiting for the bot's getUpdates.

Telegram keeps an update until a later getUpdates ``offset`` confirms it. Tests wait for
that confirmation (``wait_consumed``) instead of sleeping, which keeps conversations
deterministic. A webhook excludes long polling, as in Telegram, so it is kept here too;
while one is set, pending updates are POSTed to it one at a time, with the ``secret_token``
of setWebhook in the ``X-Telegram-Bot-Api-Secret-Token`` header as Telegram sends it, and
an update is consumed once the webhook answers 2xx (else it is retried, as Telegram does).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import Hashable
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.errors import ApiError

# Telegram's default when allowed_updates is empty: everything but chat_member and reactions.
_DEFAULT_UPDATE_TYPES = frozenset(
    """message edited_message channel_post edited_channel_post business_connection
    business_message edited_business_message deleted_business_messages inline_query
    chosen_inline_result callback_query shipping_query pre_checkout_query purchased_paid_media
    poll poll_answer my_chat_member chat_join_request chat_boost removed_chat_boost""".split()
)


class LongPoll:
    """A getUpdates call waiting for updates; released early by new updates, stop or conflict."""

    def __init__(self) -> None:
        self.future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.conflicted = False

    def release(self, conflicted: bool = False) -> None:
        if not self.future.done():
            self.conflicted = conflicted
            self.future.set_result(None)


class UpdateQueue:
    """Pending updates, the getUpdates calls waiting for them, and the webhook setting."""

    def __init__(self) -> None:
        self.webhook_url: str = ""
        self.webhook_secret: str = ""
        self.webhook_statuses: list[int] = []  # the HTTP status of every webhook delivery, in order
        self._delivery: asyncio.Task[None] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._polls: dict[Hashable, LongPoll] = {}  # keyed by the request that waits
        self._consumed = asyncio.Event()
        self._stopping = False
        self._last_poll_at: float | None = None

    def handlers(self) -> dict[str, MethodHandler]:
        """The webhook methods (getUpdates is awaited separately: it needs its request)."""
        return {
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p, f: {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
        }

    # ------------------------------------------------------------------ user side

    def inject(self, update_type: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates and wake a waiting long poll; returns its update_id."""
        update_id = next(self._update_ids)
        # a snapshot: later edits of the same message must not change an update already queued
        self._updates.append({"update_id": update_id, update_type: copy.deepcopy(payload)})
        self._consumed.clear()
        self._release_all()
        self._deliver_to_webhook()
        return update_id

    async def wait_consumed(self, timeout: float) -> None:
        """Return once every injected update was confirmed by a later getUpdates offset."""
        deadline = time.monotonic() + timeout
        while self._updates:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(self._not_consumed_report(timeout))
            try:
                await asyncio.wait_for(self._consumed.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(self._not_consumed_report(timeout)) from None

    def _not_consumed_report(self, timeout: float) -> str:
        ids = [u["update_id"] for u in self._updates]
        if self._last_poll_at is None:
            polled = "no getUpdates call ever reached the server (is the updater polling this url?)"
        else:
            polled = f"last getUpdates {time.monotonic() - self._last_poll_at:.1f}s ago"
        return (
            f"{len(ids)} update(s) not consumed after {timeout}s: ids {ids[:10]}, kinds "
            f"{[_update_kind(u) for u in self._updates[:10]]}; confirmed offset "
            f"{self._confirmed_offset}; {polled}; webhook={self.webhook_url or 'none'}"
        )

    @property
    def confirmed_offset(self) -> int:
        """Highest getUpdates offset received: every update below it is consumed."""
        return self._confirmed_offset

    @property
    def long_polls_waiting(self) -> int:
        """getUpdates calls currently held open waiting for an update."""
        return len(self._polls)

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self._updates)

    # ------------------------------------------------------------------ bot side

    async def get_updates(
        self, params: dict[str, Any], requester: Hashable
    ) -> list[dict[str, Any]]:
        """Long polling: confirm up to ``offset``, answer at once if anything is pending, else wait
        up to ``timeout`` seconds. A newer call ends an older one with 409, like Telegram."""
        self._last_poll_at = time.monotonic()
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(int(params.get("offset", 0)))
        if "allowed_updates" in params:
            wanted = frozenset(str(kind) for kind in params["allowed_updates"])
            self._allowed_updates = wanted or _DEFAULT_UPDATE_TYPES
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        for other in list(self._polls.values()):
            other.release(conflicted=True)
        ready = self._deliverable(limit)
        timeout = max(int(params.get("timeout", 0)), 0)
        if ready or timeout == 0 or self._stopping:
            return ready
        poll = LongPoll()
        self._polls[requester] = poll
        try:
            await asyncio.wait({poll.future}, timeout=timeout)
        finally:
            self._polls.pop(requester, None)
        if poll.conflicted:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._deliverable(limit)

    def abandon(self, requester: Hashable) -> None:
        """The client hung up while its getUpdates waited: stop waiting."""
        poll = self._polls.get(requester)
        if poll is not None:
            poll.release()

    def stop_polling(self) -> None:
        """Answer waiting long polls at once (empty), and every later one too; stop webhook deliveries."""
        self._stopping = True
        self._release_all()
        if self._delivery is not None:
            self._delivery.cancel()

    def resume_polling(self) -> None:
        """Hold long polls again (the server started)."""
        self._stopping = False

    def _release_all(self) -> None:
        for poll in list(self._polls.values()):
            poll.release()

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # the last -offset updates stay, everything before is forgotten
            keep = self._updates[offset:]
            offset = keep[0]["update_id"] if keep else next(self._update_ids)
        if offset > self._confirmed_offset:
            self._confirmed_offset = offset
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._consumed.set()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; others are dropped, as Telegram never sends them."""
        self._updates = [
            u
            for u in self._updates
            if any(k in self._allowed_updates for k in u if k != "update_id")
        ]
        if not self._updates:
            self._consumed.set()
        return self._updates[:limit]

    # ------------------------------------------------------------------ webhook

    def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = str(params["url"])
        self.webhook_secret = str(params.get("secret_token") or "")
        if "allowed_updates" in params:
            wanted = params["allowed_updates"]
            wanted = json.loads(wanted) if isinstance(wanted, str) else wanted
            self._allowed_updates = frozenset(str(kind) for kind in wanted) or _DEFAULT_UPDATE_TYPES
        self._deliver_to_webhook()
        return True

    def _deliver_to_webhook(self) -> None:
        if self.webhook_url and not self._stopping and (self._delivery is None or self._delivery.done()):
            self._delivery = asyncio.get_running_loop().create_task(self._post_pending())

    async def _post_pending(self) -> None:
        """POST pending updates to the webhook in order; a refusal or no answer: retry shortly."""
        client = AsyncHTTPClient()
        while self.webhook_url and not self._stopping:
            ready = self._deliverable(1)
            if not ready:
                return
            update = ready[0]
            headers = {"Content-Type": "application/json"}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            try:
                response = await client.fetch(self.webhook_url, method="POST", headers=headers,
                                              body=json.dumps(update), raise_error=False, request_timeout=10)
                status = response.code
            except (HTTPClientError, OSError):
                status = 599
            self.webhook_statuses.append(status)
            if 200 <= status < 300:
                self._confirm(int(update["update_id"]) + 1)
            else:
                await asyncio.sleep(0.2)

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._consumed.set()
        return True


def _update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "?")
