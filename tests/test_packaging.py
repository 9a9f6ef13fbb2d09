"""The bot installs like a Python package, and deployment files pass every setting.

The wheel is built for real (``pip wheel .``), its contents are listed, and the installed
package — not this checkout — migrates a database and runs the demo: migrations and
catalogs must be found through the package, wherever it is installed.
"""

from __future__ import annotations

import os
import re
import tomllib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project's wheel, built as `pip install .` would build it, and the build's log."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out), "-v"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (found,) = out.glob("workshop_bot-*.whl")
    return found, build.stdout + build.stderr


def test_the_wheel_carries_migrations_catalogs_and_data(wheel: tuple[Path, str]) -> None:
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    for language in ("ar", "fr", "en"):
        assert f"bot/locales/{language}/LC_MESSAGES/messages.po" in names
    assert "bot/migrations/env.py" in names and "bot/migrations/script.py.mako" in names
    revisions = {p.name for p in (ROOT / "bot" / "migrations" / "versions").glob("0*.py")}
    assert revisions and {f"bot/migrations/versions/{r}" for r in revisions} <= names
    assert {f"bot/questionnaires/data/{n}.yaml" for n in ("evaluation", "profile", "followup")} <= names
    assert "bot/charts/fonts/NotoSansArabic-Regular.ttf" in names
    assert "telegram_sim/botapi-methods.json" in names and "telegram_sim/server.py" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]


def test_building_prints_no_setuptools_warning(wheel: tuple[Path, str]) -> None:
    log = wheel[1]
    assert "Deprecat" not in log, [line for line in log.splitlines() if "Deprecat" in line]
    assert "!!" not in log  # setuptools' banner around its warnings
    metadata = next(n for n in zipfile.ZipFile(wheel[0]).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel[0]).read(metadata).decode()
    assert "License-Expression: MIT" in text


def test_the_installed_package_migrates_and_runs_the_demo(wheel: tuple[Path, str], tmp_path: Path) -> None:
    """Installed elsewhere, away from this checkout: the package finds its own files."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel[0])], check=True, timeout=300)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "DATABASE_URL": f"sqlite:///{work / 'bot.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=300, check=False)

    where = run("-c", "import bot, telegram_sim; print(bot.__file__); print(telegram_sim.__file__)")
    assert where.stdout.splitlines() == [str(target / "bot" / "__init__.py"),
                                         str(target / "telegram_sim" / "__init__.py")], where.stderr
    migrated = run("-m", "bot", "migrate")
    assert migrated.returncode == 0 and "database is up to date" in migrated.stdout, migrated.stderr
    demo = run("-m", "bot", "demo", "--participants", "2", "--out", str(work / "out"))
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Bienvenue" in (work / "out" / "transcript.txt").read_text(encoding="utf-8")  # French catalog found
    assert "أهلًا بك" in (work / "out" / "transcript.txt").read_text(encoding="utf-8")  # Arabic too


def readme_variables() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)


def test_env_example_lists_every_setting_with_its_default() -> None:
    example = dotenv_values(ROOT / ".env.example")
    variables = readme_variables()
    assert len(variables) >= 12 and set(variables) <= set(example)
    # the values written there are the defaults: loading them changes nothing
    token = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    as_written = {k: v or "" for k, v in example.items()} | token
    assert load_settings(environ=as_written) == load_settings(environ=token)


def test_compose_passes_every_setting_and_holds_no_password() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["env_file"] == ".env"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://workshop:${POSTGRES_PASSWORD")
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


def test_the_image_installs_the_package_and_can_write_its_data() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all(" -e " not in line and "--editable" not in line for line in installs)
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile  # the locked dependencies only
    assert re.search(r"^WORKDIR /data$", dockerfile, flags=re.MULTILINE)  # the default SQLite file goes here
    assert "chown workshop /data" in dockerfile and re.search(r"^USER workshop$", dockerfile, flags=re.MULTILINE)


@pytest.mark.parametrize("leftover", [
    "workshop-bot.sqlite3", "workshop-bot.sqlite3.lock", "workshop-bot.sqlite3-journal",
    "demo-output/chart-01.png", ".env", ".venv/bin/python",
])
def test_what_run_and_demo_leave_behind_is_ignored(leftover: str) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert subprocess.run(["git", "check-ignore", "-q", leftover], cwd=ROOT, check=False).returncode == 0


def test_run_bot_installs_only_when_the_project_changed(tmp_path: Path) -> None:
    """scripts/venv (used by run-bot and test) calls pip once, then not again until pyproject changes."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "venv").write_text((ROOT / "scripts" / "venv").read_text())
    for name in ("pyproject.toml", *LOCKS.values()):
        (tmp_path / name).write_text((ROOT / name).read_text())
    fake_python = tmp_path / ".venv" / "bin" / "python"
    fake_python.parent.mkdir(parents=True)
    fake_python.write_text('#!/bin/sh\necho "$@" >> "$(dirname "$0")/../calls"\n')
    fake_python.chmod(0o755)

    def setup(extras: str) -> list[str]:
        subprocess.run(["bash", "scripts/venv", extras], cwd=tmp_path, check=True, timeout=60)
        calls = tmp_path / ".venv" / "calls"
        return calls.read_text().splitlines() if calls.exists() else []

    assert setup("") == ["-m pip install --quiet --require-hashes -r requirements.lock",
                         "-m pip install --quiet --no-deps -e ."]
    assert len(setup("")) == 2  # nothing changed: no install
    assert len(setup("[test]")) == 4  # the test extras: installed once
    assert len(setup("[test]")) == 4 and len(setup("")) == 4
    with (tmp_path / "pyproject.toml").open("a") as project:
        project.write("\n# a new dependency\n")
    assert len(setup("")) == 6  # pyproject.toml changed: installed again
    assert setup("[test]")[-2:] == ["-m pip install --quiet --require-hashes -r requirements-test.lock",
                                    "-m pip install --quiet --no-deps -e .[test]"]
    with (tmp_path / "requirements.lock").open("a") as lock:
        lock.write("\n# a new pin\n")
    assert len(setup("")) == 10  # a lock file changed: installed again


# --- the lock files -------------------------------------------------------------------------------

LOCKS = {"": "requirements.lock", "test": "requirements-test.lock"}


def _name(requirement: str) -> str:
    """PEP 503 normalised name of ``requirement`` (``python-telegram-bot[job-queue]>=22`` → …)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def _pins(lock: str) -> dict[str, list[str]]:
    """``name`` → the hash options of its pin; every requirement line of a lock is ``name==version``."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins: dict[str, list[str]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        if not entry.strip() or entry.startswith("#"):
            continue
        head = entry.splitlines()[0]
        assert re.match(r"^[A-Za-z0-9._-]+==\S+ \\$", head), f"{lock}: {head!r} is not a hashed pin"
        pins[_name(head)] = re.findall(r"--hash=sha256:[0-9a-f]{64}", entry)
    return pins


@pytest.mark.parametrize("extra", list(LOCKS))
def test_the_locks_pin_every_dependency_with_hashes(extra: str) -> None:
    """What scripts/venv and the Dockerfile install with --require-hashes: every dependency of
    pyproject.toml (and of the extra) pinned, each pin with its sha256 hashes."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    if extra:
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    pins = _pins(LOCKS[extra])
    assert wanted <= set(pins), f"{LOCKS[extra]} lacks {sorted(wanted - set(pins))}: run ./scripts/lock"
    assert all(pins.values()), [name for name, hashes in pins.items() if not hashes]
    assert "workshop-bot" not in pins  # the project itself is installed with --no-deps
