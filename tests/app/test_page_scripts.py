"""Page scripts hold no bare values: Streamlit's "magic" would print them on the page.

A string under a constant (an attribute docstring) in ``app_pages/candidate.py`` was shown to
every candidate above the question. The app turns magic off (``.streamlit/config.toml``); this
check keeps page scripts free of such statements for any runner that does not read that file.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def page_scripts() -> list[Path]:
    """``app.py`` and every file it hands to ``st.Page``."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = re.findall(r'st\.Page\(\s*"([^"]+\.py)"', source)
    assert pages, "no st.Page scripts found in app.py"
    return [ROOT / "app.py", *(ROOT / page for page in pages)]


def shown_by_magic(source: str) -> list[int]:
    """Lines magic would pass to ``st.write``: bare values other than docstrings and calls."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and id(node) not in docstrings
        and not isinstance(node.value, ast.Call | ast.Await | ast.Yield | ast.YieldFrom)
    ]


@pytest.mark.parametrize("script", page_scripts(), ids=lambda path: path.name)
def test_page_scripts_hold_no_bare_values(script: Path) -> None:
    assert shown_by_magic(script.read_text(encoding="utf-8")) == []


def test_the_check_finds_attribute_docstrings_and_bare_names() -> None:
    source = (
        '"""Doc."""\nX = 1\n"""What X is."""\n\n\ndef f():\n    "doc"\n    x = 2\n    x\n    f()\n'
    )
    assert sorted(shown_by_magic(source)) == [3, 9]


def test_the_app_runs_with_magic_off() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
