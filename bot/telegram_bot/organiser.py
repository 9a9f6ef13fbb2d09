"""Organiser commands: /new, /close, /stats, /report, /export, /link, /remind, /followup, /timezone.

CODE is the first argument; without it, the organiser's latest workshop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from zoneinfo import ZoneInfoNotFoundError

from telegram.error import BadRequest, Forbidden

from bot.charts import render_charts
from bot.clock import utcnow
from bot.domain.before_after import before_after
from bot.domain.commitments import commitment_results
from bot.domain.delivery import delivery_counts
from bot.domain.dispatch import remind_now
from bot.domain.durations import parse_duration_text
from bot.domain.errors import (
    BadWhen,
    FollowupAlreadySent,
    NotClosed,
    RemindTooSoon,
    WhenInThePast,
    WorkshopNotFound,
)
from bot.domain.export import export_data
from bot.domain.nonresponse import nonresponse
from bot.domain.outcomes import outcomes
from bot.domain.programmes import ProgrammeNotFound, programme_workshops
from bot.domain.retention import kept_figures
from bot.domain.reversals import find_reversals
from bot.domain.schedule import (
    cancel_followup,
    followup_send,
    parse_when,
    plan_after_close,
    questionnaire_to_remind,
    reschedule_followup,
    set_workshop_timezone,
    timezone_name,
    upcoming_reminders,
)
from bot.domain.sessions import SessionNotFound, latest_closed
from bot.domain.stats import NotComparable, collect_stats
from bot.domain.stats_query import BadStatsQuery, parse_stats_arguments, session_word
from bot.domain.workshops import (
    clean_title,
    close_workshop,
    create_workshop,
    link_group,
    workshop_for_organiser,
    workshops_for_organiser,
)
from bot.exports.csv_file import to_csv
from bot.exports.xlsx_file import to_xlsx
from bot.i18n import translator
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import texts
from bot.rendering.chart_specs import chart_specs
from bot.rendering.export_content import (
    csv_separator,
    export_csv_table,
    export_workbook,
)
from bot.rendering.qr import join_link, qr_png
from bot.rendering.report_content import report_content
from bot.reports.pdf import render_report
from bot.results.stats import MIN_GROUP_SIZE, Breakdown, Stats
from bot.results.statuses import SendStatus
from bot.storage.models import Programme, Workshop
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.outbox import CloseNotice

log = logging.getLogger(__name__)

Send = Callable[[int], Awaitable[None]]


async def _may_organise(ctx: BotContext) -> bool:
    if not ctx.is_organiser:
        await ctx.reply(texts.not_organiser(ctx.tr))
        return False
    return True


async def _organiser_workshop(ctx: BotContext, args: list[str] | None = None) -> Workshop | None:
    """The workshop named by the first argument (or the latest), or None after saying why."""
    if not await _may_organise(ctx):
        return None
    words = ctx.ptb.args if args is None else args
    code = (words or [""])[0]
    try:
        workshop = workshop_for_organiser(ctx.db, ctx.user.id, code or None)
    except WorkshopNotFound:
        await ctx.reply(texts.workshop_not_found(ctx.tr, code))
        return None
    ctx.workshop_code = workshop.join_code
    return workshop


def results_chat(ctx: BotContext, workshop: Workshop) -> int:
    """Results go to the workshop's organisers' group once linked, else where asked."""
    return workshop.group_chat_id or ctx.chat_id


async def _deliver_results(ctx: BotContext, workshop: Workshop, send: Send) -> None:
    """Send to the linked group (and say so), falling back here if the group is gone."""
    target = results_chat(ctx, workshop)
    if target != ctx.chat_id:
        try:
            await send(target)
        except (Forbidden, BadRequest) as error:
            if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
                raise
            log.info("organisers' group %s unreachable (%s); unlinking", target, error.message)
            link_group(ctx.db, workshop, None)
            await ctx.reply(texts.group_unreachable(ctx.tr))
        else:
            await ctx.reply(texts.sent_to_group(ctx.tr))
            return
    await send(ctx.chat_id)


async def _deliver_compared(ctx: BotContext, workshops: list[Workshop], send: Send) -> None:
    """/stats and /report: one workshop's results go to its organisers' group; a comparison
    answers where it was asked, since A's group must not receive B's figures."""
    if len({w.id for w in workshops}) > 1:
        await send(ctx.chat_id)
    else:
        await _deliver_results(ctx, workshops[0], send)


async def new_workshop(ctx: BotContext) -> None:
    if not ctx.may_create:  # a newcomer (or an invited co-organiser): the id the administrator needs
        await ctx.reply(texts.not_organiser_new(ctx.tr, ctx.user.id))
        return
    title = " ".join(ctx.ptb.args or [])
    if not clean_title(title):  # nothing, or only control characters
        await ctx.reply(texts.new_usage(ctx.tr))
        return
    workshop = create_workshop(ctx.db, ctx.user, title, ctx.services.join_codes)
    ctx.workshop_code = workshop.join_code
    link = join_link(ctx.ptb.bot.username, workshop.join_code)
    await ctx.reply(texts.workshop_created(ctx.tr, workshop.title, link, workshop.join_code))
    await ctx.reply_photo(qr_png(link), texts.qr_caption(ctx.tr, workshop.title, link), f"qr-{workshop.join_code}.png")


async def close(ctx: BotContext) -> None:
    workshop = await _organiser_workshop(ctx)
    if workshop is None:
        return
    result = close_workshop(ctx.db, workshop)
    policy = ctx.services.settings.schedule_policy
    if result.first_close:
        plan_after_close(ctx.db, workshop, policy, utcnow(), result.session_number)
    text = texts.close_sending(ctx.tr, result)
    if result.session_title is not None:  # several sessions: say which one closed
        text = texts.session_closed(ctx.tr, result.session_number, result.session_title) + "\n" + text
    if result.first_close:
        planned = followup_send(ctx.db, workshop)
        text += "\n\n" + texts.schedule_planned(
            ctx.tr, [r.due_at for r in upcoming_reminders(ctx.db, workshop, result.session_number)],
            planned.due_at if planned else None, _zone(ctx, workshop),
        )
    await ctx.reply(text)
    if result.queued:
        notice = CloseNotice(chat_id=results_chat(ctx, workshop), language=ctx.user.language, workshop_id=workshop.id)
        ctx.services.outbox.kick(ctx.ptb.application, notice)
    ctx.services.dispatcher.kick(ctx.ptb.application)


def _zone(ctx: BotContext, workshop: Workshop) -> str:
    return timezone_name(workshop, ctx.services.settings.schedule_policy)


async def remind(ctx: BotContext) -> None:
    """``/remind CODE``: remind everyone who has not finished, now; the summary follows."""
    workshop = await _organiser_workshop(ctx)
    if workshop is None:
        return
    session = latest_closed(ctx.db, workshop)  # a next session may be open: remind the last closed one
    if session is None:
        await ctx.reply(texts.not_closed(ctx.tr))
        return
    dispatcher = ctx.services.dispatcher
    kind = questionnaire_to_remind(ctx.db, workshop)
    try:
        started = remind_now(ctx.db, workshop, kind.value, results_chat(ctx, workshop), ctx.user.language,
                             utcnow(), dispatcher.worker, ctx.services.settings.schedule_policy,
                             session.number if kind is QuestionnaireKind.EVALUATION else 0)
    except RemindTooSoon as error:
        await ctx.reply(texts.remind_too_soon(ctx.tr, workshop.title, error.next_at, _zone(ctx, workshop)))
        return
    await ctx.reply(texts.remind_started(ctx.tr, started.targets))
    dispatcher.kick(ctx.ptb.application)


async def _workshop_and_rest(ctx: BotContext, looks_like_rest: Callable[[str], bool]) -> tuple[Workshop, list[str]] | None:
    """``CODE rest…``, or just ``rest…`` for the latest workshop when the first word is no code."""
    if not await _may_organise(ctx):
        return None
    args = list(ctx.ptb.args or [])
    workshop: Workshop | None = None
    rest = args
    if args:
        try:
            workshop, rest = workshop_for_organiser(ctx.db, ctx.user.id, args[0]), args[1:]
        except WorkshopNotFound:
            if not looks_like_rest(args[0]):
                await ctx.reply(texts.workshop_not_found(ctx.tr, args[0]))
                return None
    if workshop is None:
        try:
            workshop = workshop_for_organiser(ctx.db, ctx.user.id, None)
        except WorkshopNotFound:
            await ctx.reply(texts.workshop_not_found(ctx.tr, ""))
            return None
    ctx.workshop_code = workshop.join_code
    return workshop, rest


def _looks_like_when(word: str) -> bool:
    return word.lower() == "off" or word[:1].isdigit() or parse_duration_text(word) is not None  # ١٤, ساعتان


async def followup(ctx: BotContext) -> None:
    """``/followup CODE`` shows when; ``… 14d`` / ``… 2026-12-01 [10:00]`` moves it; ``… off`` cancels."""
    found = await _workshop_and_rest(ctx, _looks_like_when)
    if found is None:
        return
    workshop, rest = found
    zone = _zone(ctx, workshop)
    try:
        if not rest:
            await ctx.reply(_followup_state(ctx, workshop, zone))
        elif rest[0].lower() == "off":
            cancel_followup(ctx.db, workshop)
            await ctx.reply(texts.followup_cancelled(ctx.tr, workshop.title))
        else:
            policy = ctx.services.settings.schedule_policy
            when, quiet = parse_when(" ".join(rest), workshop, policy, utcnow())
            reschedule_followup(ctx.db, workshop, when, quiet)
            await ctx.reply(texts.followup_planned(ctx.tr, workshop.title, when, zone))
            ctx.services.dispatcher.kick(ctx.ptb.application)
    except NotClosed:
        await ctx.reply(texts.not_closed(ctx.tr))
    except BadWhen:
        await ctx.reply(texts.bad_when(ctx.tr))
    except WhenInThePast as past:
        await ctx.reply(texts.when_in_past(ctx.tr, past.args[0], zone))
    except FollowupAlreadySent:
        await ctx.reply(texts.followup_already_sent(ctx.tr))


def _followup_state(ctx: BotContext, workshop: Workshop, zone: str) -> str:
    if latest_closed(ctx.db, workshop) is None:
        raise NotClosed()
    send = followup_send(ctx.db, workshop)
    if send is None or send.status is SendStatus.CANCELLED:
        return texts.followup_cancelled(ctx.tr, workshop.title)
    if send.status is SendStatus.PLANNED:
        return texts.followup_planned(ctx.tr, workshop.title, send.due_at, zone)
    figures = delivery_counts(ctx.db, workshop, workshop.followup_questionnaire_id)
    return texts.followup_sent(ctx.tr, workshop.title, send.started_at or send.due_at, zone, figures)


async def timezone_command(ctx: BotContext) -> None:
    """``/timezone CODE Africa/Tunis``: this workshop's nights, for quiet hours."""
    found = await _workshop_and_rest(ctx, lambda word: "/" in word or word.upper() == "UTC")
    if found is None:
        return
    workshop, rest = found
    if not rest:
        await ctx.reply(texts.timezone_shown(ctx.tr, workshop.title, _zone(ctx, workshop)))
        return
    try:
        set_workshop_timezone(ctx.db, workshop, rest[0], ctx.services.settings.schedule_policy)
    except (ZoneInfoNotFoundError, ValueError):
        await ctx.reply(texts.bad_timezone(ctx.tr, rest[0]))
        return
    await ctx.reply(texts.timezone_set(ctx.tr, workshop.title, rest[0]))


async def _requested_stats(ctx: BotContext) -> tuple[list[Workshop], Stats, Programme | None] | None:
    """Workshops and statistics named by the arguments of /stats or /report (and the
    programme, for ``/stats PCODE``: its groups pooled over its workshops), or None after saying why."""
    if not await _may_organise(ctx):
        return None
    programme: Programme | None = None
    try:
        query = parse_stats_arguments(ctx.ptb.args or [])
        if query.programme:
            programme, workshops = programme_workshops(ctx.db, ctx.user.id, query.programme)
            if not workshops:
                await ctx.reply(texts.programme_empty(ctx.tr, programme.code))
                return None
        else:
            workshops = workshops_for_organiser(ctx.db, ctx.user.id, list(query.codes))
        if await _data_deleted(ctx, workshops):
            return None
        return workshops, collect_stats(ctx.db, workshops, query.breakdown, pooled=programme is not None,
                                        session=query.session), programme
    except ProgrammeNotFound as missing:
        await ctx.reply(texts.programme_not_found(ctx.tr, str(missing.args[0])))
    except BadStatsQuery:
        await ctx.reply(texts.bad_stats_query(ctx.tr))
    except WorkshopNotFound as missing:
        await ctx.reply(texts.workshop_not_found(ctx.tr, str(missing.args[0]) if missing.args else ""))
    except NotComparable:
        await ctx.reply(texts.not_comparable(ctx.tr))
    except SessionNotFound as missing:
        await ctx.reply(texts.session_not_found(ctx.tr, missing.number, missing.code))
    return None


async def stats(ctx: BotContext) -> None:
    requested = await _requested_stats(ctx)
    if requested is None:
        return
    workshops, collected, programme = requested
    if not collected.has_answers:  # one message saying so, rather than empty charts
        await ctx.reply(texts.no_answers_yet(ctx.tr, collected))
        return
    heading = (texts.programme_stats_heading(ctx.tr, programme.title, programme.code, len(workshops))
               if programme is not None else None)
    summary = texts.stats_summary(ctx.tr, collected, find_reversals(collected), nonresponse(ctx.db, workshops),
                                  heading=heading)
    summary += texts.before_after_summary(ctx.tr, before_after(ctx.db, workshops, collected.breakdown))
    summary += texts.commitments_stats_block(ctx.tr, commitment_results(ctx.db, workshops), MIN_GROUP_SIZE)
    charts = await ctx.in_thread(render_stats_charts, collected, ctx.tr.language)

    async def send(chat_id: int) -> None:
        await ctx.send_photos(chat_id, charts, [f"chart-{i + 1:02d}.png" for i in range(len(charts))])
        for chunk in summary:
            await ctx.send_text(chat_id, chunk)

    await _deliver_compared(ctx, workshops, send)


async def report(ctx: BotContext) -> None:
    """The evaluation report as a PDF: cover, summary table, every chart, the charts by
    gender and by type of organisation (``/report CODE by gender``: that one only), free
    text, follow-up vs intentions."""
    requested = await _requested_stats(ctx)
    if requested is None:
        return
    workshops, collected, programme = requested
    if not collected.has_answers:  # one message saying so, rather than a report of empty charts
        await ctx.reply(texts.no_answers_yet(ctx.tr, collected))
        return
    pooled = programme is not None  # a programme's groups: its workshops together
    session = collected.workshops[0].session.number if collected.workshops[0].session else None  # /report CODE s2
    if collected.breakdown is None:
        overall = collected
        by_group = [collect_stats(ctx.db, workshops, breakdown, pooled=pooled, session=session)
                    for breakdown in (Breakdown.GENDER, Breakdown.ORG_TYPE)]
    else:
        overall = collect_stats(ctx.db, workshops, session=session)
        by_group = [collected]
    try:
        found_outcomes = outcomes(overall, collect_stats(ctx.db, workshops, followup=True))
    except NotComparable:
        found_outcomes = []
    content = report_content(
        ctx.tr, overall, find_reversals(overall), found_outcomes,
        timezone=_zone(ctx, workshops[0]), generated_at=utcnow(),  # dates as the workshop lives them
        breakdowns=[(stats, find_reversals(stats)) for stats in by_group],
        nonresponse=nonresponse(ctx.db, workshops), programme_title=programme.title if programme else None,
        before_after=before_after(ctx.db, workshops),
        commitments=commitment_results(ctx.db, workshops),
    )
    pdf = await ctx.in_thread(render_report, content)
    codes = programme.code if programme else "-".join(w.join_code for w in workshops)
    title = programme.title if programme else collected.title

    async def send(chat_id: int) -> None:
        await ctx.send_document(chat_id, pdf, f"report-{codes}.pdf", texts.report_caption(ctx.tr, title))

    await _deliver_compared(ctx, workshops, send)


def render_stats_charts(collected: Stats, language: str) -> list[bytes]:
    """The charts of /stats (drawn in a worker thread: matplotlib is CPU-bound)."""
    return render_charts(chart_specs(collected, translator(language)))


async def _data_deleted(ctx: BotContext, workshops: list[Workshop]) -> bool:
    """Say so for workshops whose participant data retention deleted: when, and what is kept."""
    kept = [k for w in workshops if (k := kept_figures(w, _zone(ctx, w))) is not None]
    for figures in kept:
        await ctx.reply(texts.data_deleted(ctx.tr, figures))
    return bool(kept)


async def export(ctx: BotContext) -> None:
    """The export is personal data (pseudonymous answers): it only ever goes to the organiser's
    private chat, never to a group, linked or not (law 09-08 / 2004-63: no wider disclosure)."""
    chat = ctx.update.effective_chat
    if chat is not None and chat.type != "private":
        await ctx.reply(texts.export_in_private(ctx.tr))
        return
    try:
        session, words = session_word(list(ctx.ptb.args or []))  # /export CODE s2: one session's evaluation
    except BadStatsQuery:
        await ctx.reply(texts.bad_stats_query(ctx.tr))
        return
    workshop = await _organiser_workshop(ctx, words)
    if workshop is None or await _data_deleted(ctx, [workshop]):
        return
    try:
        data = replace(export_data(ctx.db, workshop, timezone=_zone(ctx, workshop), session=session),
                       nonresponse=nonresponse(ctx.db, [workshop]))  # stated on the summary sheet
    except SessionNotFound as missing:
        await ctx.reply(texts.session_not_found(ctx.tr, missing.number, missing.code))
        return
    separator = csv_separator(ctx.tr.language)
    csv_data = to_csv(export_csv_table(ctx.tr, data), separator=separator)
    xlsx_data = await ctx.in_thread(to_xlsx, export_workbook(ctx.tr, data))
    stem = f"workshop-{workshop.join_code}-{ctx.tr.language}"  # the language of the headers
    csv_name = f"{stem}-{'semicolon' if separator == ';' else 'comma'}.csv"  # says how Excel splits it

    async def send(chat_id: int) -> None:
        await ctx.send_document(chat_id, csv_data, csv_name, texts.export_csv_caption(ctx.tr, workshop.title, separator))
        await ctx.send_document(chat_id, xlsx_data, f"{stem}.xlsx", texts.export_xlsx_caption(ctx.tr, workshop.title))

    await send(ctx.user.id)


async def link(ctx: BotContext) -> None:
    """``/link CODE`` in a group: this group receives the workshop's results from now on."""
    chat = ctx.update.effective_chat
    if chat is None or chat.type not in ("group", "supergroup"):
        if await _may_organise(ctx):
            await ctx.reply(texts.link_in_a_group(ctx.tr))
        return
    workshop = await _organiser_workshop(ctx)
    if workshop is None:
        return
    link_group(ctx.db, workshop, chat.id)
    await ctx.reply(texts.group_linked(ctx.tr, workshop.title))


async def help_command(ctx: BotContext) -> None:
    await ctx.reply(texts.help_text(ctx.tr, is_organiser=ctx.is_organiser, user_id=ctx.user.id))


async def whoami_command(ctx: BotContext) -> None:
    """Anyone's own Telegram id: what the administrator puts in ORGANISER_IDS."""
    await ctx.reply(texts.whoami_text(ctx.tr, ctx.user.id, is_organiser=ctx.may_create))
