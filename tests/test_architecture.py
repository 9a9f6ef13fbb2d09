"""The layering rules of ARCHITECTURE.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bot"
MODULES = sorted(PACKAGE.rglob("*.py"))


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
    if path.relative_to(PACKAGE).parts[0] in {"charts", "reports", "exports"}:
        assert not {"telegram", "sqlalchemy"} & top_level_imports(path)


def test_no_catch_all_modules() -> None:
    assert not [p for p in MODULES if p.stem in {"utils", "helpers", "misc", "common"}]
