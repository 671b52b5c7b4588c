"""The layering of architecture.md: who may import whom, and where streamlit/reportlab live."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {"items", "scoring", "assessment", "reports", "cli", "app_pages", "app"}
ALLOWED: dict[str, set[str]] = {
    "scoring": set(),
    "items": {"scoring"},
    "assessment": {"items", "scoring"},
    "reports": {"items", "scoring", "assessment"},
    "cli": {"items", "scoring", "assessment", "reports"},
    "app_pages": {"items", "scoring", "assessment", "reports"},
}
ONLY_IN = {"streamlit": {"app", "app_pages"}, "reportlab": {"reports"}}
SCORING_ALLOWED_THIRD_PARTY = {"numpy", "scipy"}


def imports_of(path: Path) -> set[str]:
    """Top-level module names imported by a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def package_files(package: str) -> list[Path]:
    if package == "app":
        return [ROOT / "app.py"] if (ROOT / "app.py").exists() else []
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_lower_layers(package: str) -> None:
    offenders = []
    for path in package_files(package):
        used = imports_of(path) & PROJECT_PACKAGES - {package}
        if used - ALLOWED[package]:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(used - ALLOWED[package])}")
    assert not offenders


@pytest.mark.parametrize("library", sorted(ONLY_IN))
def test_ui_and_pdf_libraries_stay_at_the_edges(library: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in (*ALLOWED, "app")
        if package not in ONLY_IN[library]
        for path in package_files(package)
        if library in imports_of(path)
    ]
    assert not offenders


def test_scoring_uses_only_numpy_and_scipy() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    offenders = {
        str(path.relative_to(ROOT)): sorted(extra)
        for path in package_files("scoring")
        if (extra := imports_of(path) - stdlib - SCORING_ALLOWED_THIRD_PARTY - {"scoring"})
    }
    assert not offenders
