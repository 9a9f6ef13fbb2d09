"""``workshop-bot demo`` runs a whole workshop offline, the same way every time.

The demo drives a ManualClock: the same participants and seed give the same transcript,
counts and summary on every run, however loaded the machine, and it writes everything an
organiser gets into ``--out``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.simulation.demo import _current_question
from telegram_sim.views import BotMessage, Button


def run_demo(out: Path, capsys: pytest.CaptureFixture[str], participants: int = 7, seed: int = 7) -> str:
    assert main(["demo", "--out", str(out), "--participants", str(participants), "--seed", str(seed)]) == 0
    return capsys.readouterr().out.replace(str(out.resolve()), "<out>")


def test_demo_is_the_same_on_every_run_and_writes_what_an_organiser_gets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    printed = run_demo(first, capsys)
    assert run_demo(second, capsys) == printed
    for name in ("transcript.txt", "stats.txt"):
        assert (first / name).read_text(encoding="utf-8") == (second / name).read_text(encoding="utf-8")

    assert "👤 Firas (organiser) → /new Atelier Open Data — Rabat" in printed
    assert "👤 Amina → /start " in printed and "أهلًا بك! لقد انضممت إلى «Atelier Open Data — Rabat»." in printed
    # 7 joined: #5 never answers; #4 stops halfway, then finishes after the reminder.
    assert "Questionnaire complété par 6 sur 7 participants (86\u202f%)." in printed
    stats = (first / "stats.txt").read_text(encoding="utf-8")
    assert stats.startswith("📊 Atelier Open Data — Rabat")

    transcript = (first / "transcript.txt").read_text(encoding="utf-8")
    assert "Question 1 sur 18" in transcript and "السؤال 1 من 18" in transcript
    # The day after /close: #4 gets the "finish" wording and resumes, #5 the "start" wording.
    assert "── A day later: the reminder round" in transcript
    assert "⏰ أجبت عن" in transcript or "⏰ Vous avez répondu à" in transcript
    assert "⏰ Il nous manque encore votre avis" in transcript or "⏰ ما زلنا ننتظر رأيك" in transcript
    assert "📬 Rappel pour l’évaluation de «\u00a0Atelier Open Data — Rabat\u00a0».\n   ✅ Envoyé à 2 participants." in transcript
    # Four weeks later, the follow-up survey goes out and is answered.
    assert "📬 L’enquête de suivi de «\u00a0Atelier Open Data — Rabat\u00a0» a été envoyée." in transcript
    # The dates announced are the demo's own, not today's.
    assert "25 novembre 2026" in transcript

    charts = sorted(first.glob("chart-*.png"))
    assert len(charts) >= 12 and all(c.read_bytes().startswith(b"\x89PNG") for c in charts)
    (pdf,) = first.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    csv_files, xlsx_files = list(first.glob("*.csv")), list(first.glob("*.xlsx"))
    assert len(csv_files) == 1 and len(xlsx_files) == 1
    rows = list(csv.reader(io.StringIO(csv_files[0].read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(rows) > 7  # headers, then a row per participant per questionnaire received
    assert load_workbook(io.BytesIO(xlsx_files[0].read_bytes())).sheetnames
    for name in ("transcript.txt", "stats.txt", pdf.name, csv_files[0].name, xlsx_files[0].name, "chart-01.png"):
        assert f"  {name}\n" in printed  # the demo says where everything is


def test_another_seed_gives_other_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = run_demo(tmp_path / "a", capsys, participants=3, seed=1)
    other = run_demo(tmp_path / "b", capsys, participants=3, seed=2)
    assert one != other


def message(message_id: int, text: str, *data: str) -> BotMessage:
    return BotMessage(chat_id=5, message_id=message_id, kind="text", text=text,
                      buttons=[[Button(d, callback_data=d)] for d in data])


def test_a_participant_answers_the_question_even_when_a_reminder_came_after_it() -> None:
    question = message(3, "Question 4 sur 13", "a:9:3:1", "a:9:3:2", "b:9:3")
    answered = message(2, "Question 3 sur 13 ✓ 4")
    reminder = message(4, "⏰ Vous avez répondu à 3 des 13 questions", "r:9", "m:off")
    person = SimpleNamespace(messages=[answered, question, reminder])
    assert _current_question(person) is question  # type: ignore[arg-type]
    finished = SimpleNamespace(messages=[answered, reminder])
    assert _current_question(finished) is None  # type: ignore[arg-type]
