"""The Alembic migrations build exactly the schema the models describe, and go back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.storage.engine import make_engine
from bot.storage.migrations import alembic_config, upgrade_to_head
from bot.storage.models import Base


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'round-trip.sqlite3'}"
    scratch = make_engine(url)
    upgrade_to_head(scratch)
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(scratch).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(scratch)
    assert {"workshops", "answers", "progress_messages"} <= set(inspect(scratch).get_table_names())
    scratch.dispose()


def test_0007_gives_every_workshop_its_session_1_with_its_evaluations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database of 0006 (no sessions) with a closed workshop, an open one, an evaluation and
    a profile response, a reminder round and the follow-up; after 0007 each workshop has
    session 1 (its title, closed when it was), its evaluation answers and reminder rounds
    belong to session 1, and nothing else does. On SQLite, and on PostgreSQL with
    ``TEST_DATABASE_URL``."""
    import os
    from contextlib import ExitStack
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, select

    from telegram_sim.scratch_database import scratch_postgres_database

    with ExitStack() as stack:
        configured = os.environ.get("TEST_DATABASE_URL", "").strip()
        url = (stack.enter_context(scratch_postgres_database(configured, prefix="wbmig"))
               if configured.startswith("postgresql") else f"sqlite:///{tmp_path / 'before-0007.sqlite3'}")
        scratch = make_engine(url)
        stack.callback(scratch.dispose)
        config = alembic_config(url)
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
        old = MetaData()
        old.reflect(scratch)
        t = old.tables
        now, closed = datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
        with scratch.begin() as connection:
            connection.execute(t["users"].insert(), [{"id": 1, "blocked_bot": False, "created_at": now},
                                                     {"id": 2, "blocked_bot": False, "created_at": now}])
            connection.execute(t["questionnaires"].insert(), [
                {"id": n, "key": key, "kind": key, "content": "{}", "content_hash": key, "created_at": now}
                for n, key in ((1, "profile"), (2, "evaluation"), (3, "followup"))])
            connection.execute(t["workshops"].insert(), [
                {"id": n, "join_code": f"CODE{n}", "title": title, "created_by": 1, "created_at": now,
                 "closed_at": closed_at, "profile_questionnaire_id": 1, "evaluation_questionnaire_id": 2,
                 "followup_questionnaire_id": 3}
                for n, title, closed_at in ((1, "Atelier Rabat", closed), (2, "Data-jam Tunis", None))])
            connection.execute(t["participants"].insert(), {"id": 1, "workshop_id": 1, "user_id": 2, "joined_at": now})
            connection.execute(t["responses"].insert(), [
                {"id": n, "participant_id": 1, "questionnaire_id": q, "kind": kind, "status": "completed",
                 "current_index": 0, "created_at": now, "touched_at": now}
                for n, q, kind in ((1, 1, "profile"), (2, 2, "evaluation"))])
            connection.execute(t["answers"].insert(), {"id": 1, "response_id": 2, "question_id": "benefit",
                                                       "skipped": False, "rating": 5, "answered_at": closed})
            connection.execute(t["scheduled_sends"].insert(), [
                {"id": n, "workshop_id": 1, "purpose": purpose, "questionnaire_kind": kind, "round": round_,
                 "manual": False, "quiet_hours": True, "due_at": closed, "status": "planned", "created_at": now}
                for n, purpose, kind, round_ in ((1, "reminder", "evaluation", 1), (2, "followup", "followup", 0))])

        upgrade_to_head(scratch)
        new = MetaData()
        new.reflect(scratch)
        with scratch.connect() as connection:
            sessions = connection.execute(
                select(new.tables["workshop_sessions"].c["workshop_id", "number", "title", "closed_at"])
                .order_by("workshop_id")).all()
            responses = connection.execute(
                select(new.tables["responses"].c["id", "session_number"]).order_by("id")).all()
            sends = connection.execute(
                select(new.tables["scheduled_sends"].c["id", "session_number"]).order_by("id")).all()
        assert [(w, n, title) for w, n, title, _ in sessions] == [(1, 1, "Atelier Rabat"), (2, 1, "Data-jam Tunis")]
        assert sessions[0][3] is not None and sessions[0][3].replace(tzinfo=UTC) == closed and sessions[1][3] is None
        assert [tuple(r) for r in responses] == [(1, 0), (2, 1)]  # the profile belongs to no session
        assert [tuple(s) for s in sends] == [(1, 1), (2, 0)]  # nor does the follow-up
        with scratch.connect() as connection:  # SQLite copies responses and workshops: nothing cascades away
            assert connection.execute(select(new.tables["answers"].c.rating)).scalars().all() == [5]
            assert len(connection.execute(select(new.tables["participants"].c.id)).all()) == 1


def test_a_populated_database_of_0004_upgrades_with_every_row_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real deployments upgrade databases full of answers. On SQLite, Alembic's batch mode
    copies a table and drops the original (0005 copies users, 0006 questionnaires, 0007
    workshops and responses); with foreign keys on, that DROP failed ("FOREIGN KEY constraint
    failed") or cascaded away every participant. Migrations now run with them off and every
    reference checked. On SQLite, and on PostgreSQL with ``TEST_DATABASE_URL``."""
    import os
    from contextlib import ExitStack
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, func, select, text

    from telegram_sim.scratch_database import scratch_postgres_database

    with ExitStack() as stack:
        configured = os.environ.get("TEST_DATABASE_URL", "").strip()
        url = (stack.enter_context(scratch_postgres_database(configured, prefix="wbmig4"))
               if configured.startswith("postgresql") else f"sqlite:///{tmp_path / 'at-0004.sqlite3'}")
        scratch = make_engine(url)
        stack.callback(scratch.dispose)
        config = alembic_config(url)
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
        old = MetaData()
        old.reflect(scratch)
        t = old.tables
        now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        with scratch.begin() as connection:
            connection.execute(t["users"].insert(), [
                {"id": n, "first_name": name, "language": "fr", "blocked_bot": False, "created_at": now,
                 "reminders_enabled": True} for n, name in ((1, "Firas"), (2, "Amina"))])
            connection.execute(t["questionnaires"].insert(), [
                {"id": n, "key": key, "kind": key, "content": "{}", "content_hash": key, "created_at": now}
                for n, key in ((1, "profile"), (2, "evaluation"), (3, "followup"))])
            connection.execute(t["workshops"].insert(), {
                "id": 1, "join_code": "CODE1", "title": "Atelier Rabat", "created_by": 1, "created_at": now,
                "closed_at": now, "profile_questionnaire_id": 1, "evaluation_questionnaire_id": 2,
                "followup_questionnaire_id": 3})
            connection.execute(t["workshop_organisers"].insert(), {"workshop_id": 1, "user_id": 1})
            connection.execute(t["participants"].insert(), {"id": 1, "workshop_id": 1, "user_id": 2, "joined_at": now})
            connection.execute(t["responses"].insert(), {
                "id": 1, "participant_id": 1, "questionnaire_id": 2, "kind": "evaluation", "status": "completed",
                "current_index": 0, "created_at": now, "touched_at": now})
            connection.execute(t["answers"].insert(), {"id": 1, "response_id": 1, "question_id": "benefit",
                                                       "skipped": False, "rating": 4, "answered_at": now})
            connection.execute(t["answer_options"].insert(), {"answer_id": 1, "option_id": "x", "position": 0})

        upgrade_to_head(scratch)

        new = MetaData()
        new.reflect(scratch)
        with scratch.connect() as connection:
            counts = {name: connection.execute(select(func.count()).select_from(new.tables[name])).scalar()
                      for name in ("users", "workshops", "workshop_organisers", "participants", "responses",
                                   "answers", "answer_options", "workshop_sessions")}
            assert counts == {"users": 2, "workshops": 1, "workshop_organisers": 1, "participants": 1,
                              "responses": 1, "answers": 1, "answer_options": 1, "workshop_sessions": 1}
            assert connection.execute(select(new.tables["answers"].c.rating)).scalar() == 4
            if connection.dialect.name == "sqlite":  # and the bot's connections check references again
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
