"""The layering rules of ARCHITECTURE.md, checked on every module's imports."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bot"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE_PATHS = {module_name(path): path for path in MODULES}


def imported_names(path: Path) -> set[str]:
    """Every dotted name a module imports at run time (``TYPE_CHECKING`` blocks excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_checking = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@cache
def imports_through_bot(name: str) -> frozenset[str]:
    """Top-level packages a module pulls in, following every import inside ``bot.*``."""
    seen: set[str] = set()
    external: set[str] = set()
    stack = [name]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for imported in imported_names(MODULE_PATHS[current]):
            parts = imported.split(".")
            if parts[0] != "bot":
                external.add(parts[0])
                continue
            # importing bot.a.b runs bot/__init__, bot/a/__init__ and bot/a/b
            stack.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in MODULE_PATHS)
    return frozenset(external)


def top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_both_telegram_and_sqlalchemy(path: Path) -> None:
    imports = top_level_imports(path)
    assert not {"telegram", "sqlalchemy"} <= imports


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_storage_and_rendering_data_stay_free_of_telegram(path: Path) -> None:
    relative = path.relative_to(PACKAGE).parts
    if relative[0] in {"domain", "storage", "questionnaires", "i18n"}:
        assert "telegram" not in top_level_imports(path)
    if relative[0] in {"rendering", "telegram_bot"}:
        assert "sqlalchemy" not in top_level_imports(path)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_figures_are_made_without_pyplot(path: Path) -> None:
    """pyplot keeps global state and is not thread-safe; charts and reports use Figure."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "matplotlib.pyplot" not in modules


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_drawing_and_files_stay_free_of_telegram_and_sqlalchemy(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] in {"charts", "reports", "exports", "results"}:
        assert not {"telegram", "sqlalchemy"} & imports_through_bot(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rendering_never_reaches_the_database_even_indirectly(path: Path) -> None:
    """Texts, keyboards, charts and reports read plain results (``bot.results``), not queries."""
    if path.relative_to(PACKAGE).parts[0] in {"rendering", "charts", "reports", "exports", "results", "i18n"}:
        assert "sqlalchemy" not in imports_through_bot(module_name(path))


def test_the_following_of_imports_sees_an_indirect_import() -> None:
    """The check above is not vacuous: a domain module reaches SQLAlchemy through storage."""
    assert "sqlalchemy" in imports_through_bot("bot.domain.outcomes") or "sqlalchemy" in imports_through_bot(
        "bot.domain.stats"
    )
    assert "sqlalchemy" not in imports_through_bot("bot.rendering.texts")


def test_the_product_does_not_ship_the_simulator() -> None:
    """Only the demo may use telegram_sim (the fake Bot API): the bot runs without it."""
    users = {module_name(p) for p in MODULES if "telegram_sim" in imports_through_bot(module_name(p))}
    # the command line imports the demo inside `workshop-bot demo` only
    assert users <= {"bot.simulation.demo", "bot.simulation.live_bot", "bot.simulation", "bot.cli", "bot.__main__"}
    assert "telegram_sim" not in imports_through_bot("bot.telegram_bot.application")


def test_no_catch_all_modules() -> None:
    assert not [p for p in MODULES if p.stem in {"utils", "helpers", "misc", "common"}]


def test_now_comes_from_the_clock_only() -> None:
    """The demo and tests drive time with a ManualClock: no module may read the system clock itself."""
    readers = [p for p in MODULES if p.name != "clock.py"
               and any(call in p.read_text(encoding="utf-8") for call in ("datetime.now(", "datetime.utcnow(", "time.time("))]
    assert not readers


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_what_people_see_is_made_from_plain_results(path: Path) -> None:
    """Rendering, charts, reports, exports and results read ``bot.results``, never the domain
    or storage modules, not even for a type hint: those are where queries live."""
    if path.relative_to(PACKAGE).parts[0] not in {"rendering", "charts", "reports", "exports", "results"}:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in modules if m.startswith(("bot.domain", "bot.storage"))}
