"""``workshop-bot demo`` runs a whole workshop offline and prints what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_demo_prints_transcript_and_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--participants", "7"]) == 0
    printed = capsys.readouterr().out
    assert "👤 Firas (organiser) → /new Atelier Open Data — Rabat" in printed
    assert "👤 Amina → /start " in printed and "أهلًا بك! لقد انضممت إلى «Atelier Open Data — Rabat»." in printed
    assert "/stats" in printed and "📊 Atelier Open Data — Rabat" in printed
    # 7 joined: #4 stops halfway and #5 never answers (see the demo's plans).
    assert "Questionnaire complété par 5 sur 7 participants (71\u202f%)." in printed
    stats = (tmp_path / "stats.txt").read_text(encoding="utf-8")
    assert stats.startswith("📊 Atelier Open Data — Rabat")
    charts = sorted(tmp_path.glob("chart-*.png"))
    assert len(charts) == 12 and all(c.read_bytes().startswith(b"\x89PNG") for c in charts)
    transcript = (tmp_path / "transcript.txt").read_text(encoding="utf-8")
    assert "Question 1 sur 13" in transcript and "السؤال 1 من 13" in transcript
    # Reminders two seconds after /close: #4 (stopped halfway) gets the "finish" wording and
    # resumes; #5 (silent) the "start" wording; the organiser the summary.
    assert "⏰ Vous avez répondu à" in transcript or "⏰ أجبت عن" in transcript
    assert "⏰ Il nous manque encore votre avis" in transcript or "⏰ ما زلنا ننتظر رأيك" in transcript
    assert "📬 Rappel pour l’évaluation de «\u00a0Atelier Open Data — Rabat\u00a0».\n   ✅ Envoyé à 2 participants." in printed
