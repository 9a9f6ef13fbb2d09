"""Benchmark: /stats of a 10,000-participant workshop, end to end (queries + all charts).

    .venv/bin/python bench/stats.py                      # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/stats.py --participants 2000 --database sqlite

Fills a fresh database with participants who answered everything (profile, evaluation),
then times what /stats does: the GROUP BY queries, the text summary and every chart
rendered to PNG, overall and by gender, then what /report does (both breakdowns, the
PDF with embedded fonts). It also counts the rows the queries return, to show that the
database aggregates (a few hundred rows for ~150,000 answers).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, insert, text  # noqa: E402

from bot.charts import render_charts  # noqa: E402
from bot.clock import utcnow  # noqa: E402
from bot.domain.questionnaire_store import store_questionnaire  # noqa: E402
from bot.domain.reversals import find_reversals  # noqa: E402
from bot.domain.stats import collect_stats  # noqa: E402
from bot.i18n import translator  # noqa: E402
from bot.questionnaires.loader import default_questionnaire  # noqa: E402
from bot.questionnaires.model import QuestionnaireKind, QuestionType  # noqa: E402
from bot.rendering.chart_specs import chart_specs  # noqa: E402
from bot.rendering.report_content import report_content  # noqa: E402
from bot.rendering.texts import stats_summary  # noqa: E402
from bot.reports import render_report  # noqa: E402
from bot.results.stats import Breakdown  # noqa: E402
from bot.results.statuses import ResponseStatus  # noqa: E402
from bot.storage import models  # noqa: E402
from bot.storage.engine import make_engine, make_session_factory  # noqa: E402
from bot.storage.migrations import upgrade_to_head  # noqa: E402
from telegram_sim.scratch_database import scratch_postgres_if_reachable  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RUNS = 5


def fill(engine: Engine, participants: int, seed: int = 1) -> int:
    """A closed workshop where everyone answered; returns the workshop id."""
    rng = random.Random(seed)
    factory = make_session_factory(engine)
    with factory() as db:
        organiser = models.User(id=1, language="fr")
        db.add(organiser)
        profile = store_questionnaire(db, default_questionnaire(QuestionnaireKind.PROFILE))
        evaluation = store_questionnaire(db, default_questionnaire(QuestionnaireKind.EVALUATION))
        followup = store_questionnaire(db, default_questionnaire(QuestionnaireKind.FOLLOWUP))
        workshop = models.Workshop(join_code="bench", title="Benchmark workshop", created_by=1, closed_at=utcnow(),
                                   profile_questionnaire_id=profile.id, evaluation_questionnaire_id=evaluation.id,
                                   followup_questionnaire_id=followup.id)
        db.add(workshop)
        db.commit()
        workshop_id, profile_id, evaluation_id = workshop.id, profile.id, evaluation.id

    now = utcnow()
    users, people, responses, answers, options = [], [], [], [], []
    answer_id = response_id = 0
    plan = [(profile_id, "profile", default_questionnaire(QuestionnaireKind.PROFILE)),
            (evaluation_id, "evaluation", default_questionnaire(QuestionnaireKind.EVALUATION))]
    for n in range(participants):
        user_id = 1000 + n
        users.append({"id": user_id, "language": rng.choice(["ar", "fr"]),
                      "blocked_bot": False, "created_at": now})
        people.append({"id": n + 1, "workshop_id": workshop_id, "user_id": user_id, "joined_at": now})
        for questionnaire_id, kind, questionnaire in plan:
            response_id += 1
            responses.append({"id": response_id, "participant_id": n + 1, "questionnaire_id": questionnaire_id,
                              "kind": kind, "status": ResponseStatus.COMPLETED.value, "current_index": 0,
                              "created_at": now, "touched_at": now, "completed_at": now})
            for question in questionnaire.questions:
                answer_id += 1
                row: dict[str, Any] = {"id": answer_id, "response_id": response_id, "question_id": question.id,
                                       "skipped": False, "rating": None, "text": None, "answered_at": now}
                if question.type is QuestionType.RATING:
                    row["rating"] = rng.choices(list(question.scale()), weights=[1, 2, 4, 6, 5])[0]
                elif question.type is QuestionType.TEXT:
                    row["text"] = rng.choice(["Merci", "شكرًا لكم", "More practice"])
                elif question.type is QuestionType.MULTI:
                    chosen = rng.sample(question.option_ids(), k=rng.randint(1, 3))
                    options += [{"answer_id": answer_id, "option_id": o, "position": i} for i, o in enumerate(chosen)]
                else:
                    options.append({"answer_id": answer_id, "option_id": rng.choice(question.option_ids()), "position": 0})
                answers.append(row)
    with engine.begin() as connection:
        for table, rows in ((models.User, users), (models.Participant, people), (models.Response, responses),
                            (models.Answer, answers), (models.AnswerOption, options)):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(table), rows[start:start + 20_000])
    # A database in service has planner statistics (autovacuum / ANALYZE); a bulk load has none.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return workshop_id


class RowCounter:
    """Counts statements and fetched rows on an engine (to show GROUP BY at work)."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.statements += 1


def stats_end_to_end(engine: Engine, workshop_id: int, breakdown: Breakdown | None) -> tuple[float, float, float, int]:
    """(query s, summary+specs s, charts s, rows fetched) for one /stats."""
    factory = make_session_factory(engine)
    tr = translator("fr")
    with factory() as db:
        workshop = db.get(models.Workshop, workshop_id)
        assert workshop is not None
        start = time.perf_counter()
        stats = collect_stats(db, [workshop], breakdown)
        queried = time.perf_counter()
        stats_summary(tr, stats, find_reversals(stats))
        specs = chart_specs(stats, tr)
        prepared = time.perf_counter()
        pngs = render_charts(specs)
        drawn = time.perf_counter()
    assert len(pngs) == 12
    rows = sum(len(q.tally.option_counts) + len(q.tally.rating_counts) for q in stats.questions)
    return queried - start, prepared - queried, drawn - prepared, rows


def bench(label: str, url: str, participants: int) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    started = time.perf_counter()
    workshop_id = fill(engine, participants)
    with engine.connect() as connection:
        n_answers = connection.execute(text("SELECT count(*) FROM answers")).scalar_one()
        n_options = connection.execute(text("SELECT count(*) FROM answer_options")).scalar_one()
    print(f"\n{label}: {participants:,} participants, {n_answers:,} answers, {n_options:,} chosen options "
          f"(filled in {time.perf_counter() - started:.1f} s)")
    counter = RowCounter(engine)
    for breakdown in (None, Breakdown.GENDER):
        runs = []
        for _ in range(RUNS + 1):
            runs.append(stats_end_to_end(engine, workshop_id, breakdown))
        first, warm = runs[0], runs[1:]
        totals = [sum(r[:3]) for r in warm]
        name = "/stats" if breakdown is None else "/stats by gender"
        print(f"  {name:18} end to end: median {statistics.median(totals) * 1000:6.0f} ms, "
              f"best {min(totals) * 1000:6.0f} ms, first {sum(first[:3]) * 1000:6.0f} ms "
              f"| queries {statistics.median(r[0] for r in warm) * 1000:5.0f} ms, "
              f"text+specs {statistics.median(r[1] for r in warm) * 1000:4.0f} ms, "
              f"12 charts {statistics.median(r[2] for r in warm) * 1000:5.0f} ms")
    print(f"  {counter.statements // (2 * (RUNS + 1))} SQL statements per /stats; the aggregates hold "
          f"{runs[-1][3]} (option, count) rows for {n_answers:,} stored answers")
    report_times = [report_end_to_end(engine, workshop_id, language) for language in ("fr", "ar", "fr", "ar")]
    print(f"  /report (PDF: cover, summary, 12 charts, both breakdowns): median "
          f"{statistics.median(t for t, _ in report_times[2:]) * 1000:6.0f} ms warm, first "
          f"{report_times[0][0] * 1000:6.0f} ms, {report_times[-1][1] / 1024:.0f} KiB")
    engine.dispose()


def report_end_to_end(engine: Engine, workshop_id: int, language: str) -> tuple[float, int]:
    """(seconds, PDF bytes) for what /report does: overall and breakdown stats, content, PDF."""
    factory = make_session_factory(engine)
    tr = translator(language)
    with factory() as db:
        workshop = db.get(models.Workshop, workshop_id)
        assert workshop is not None
        start = time.perf_counter()
        overall = collect_stats(db, [workshop])
        by_group = [collect_stats(db, [workshop], b) for b in (Breakdown.GENDER, Breakdown.ORG_TYPE)]
        content = report_content(tr, overall, find_reversals(overall), [], timezone="Africa/Casablanca",
                                 generated_at=utcnow(), breakdowns=[(s, find_reversals(s)) for s in by_group])
        pdf = render_report(content)
        return time.perf_counter() - start, len(pdf)




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--database", default="both", help="sqlite, postgres, both, or a PostgreSQL URL")
    parser.add_argument("--postgres-url", default=POSTGRES)
    args = parser.parse_args(argv)
    print(f"bench/stats.py — Python {sys.version.split()[0]}, {__import__('os').cpu_count()} CPUs")
    run: list[tuple[str, Callable[[], None]]] = []
    if args.database in ("sqlite", "both"):
        folder = tempfile.mkdtemp(prefix="wbbench-")
        run.append(("SQLite", lambda: bench("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.participants)))
    if args.database in ("postgres", "both") or args.database.startswith("postgresql"):
        pg_url = args.database if args.database.startswith("postgresql") else args.postgres_url

        def on_postgres() -> None:
            with scratch_postgres_if_reachable(pg_url) as url:
                if url:
                    bench("PostgreSQL", url, args.participants)

        run.append(("PostgreSQL", on_postgres))
    for _, job in run:
        job()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
