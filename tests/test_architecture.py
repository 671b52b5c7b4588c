"""The layering of architecture.md: who may import whom, and where streamlit/reportlab live.

Imports are read with ``ast`` from every product file (relative imports resolved against the
file's package) and from ``benchmarks/``. Three rules:

1. Top-level packages import only lower layers; pages reach ``scoring`` only through
   ``assessment`` and ``reports``.
2. Inside ``assessment`` the sub-packages are layered: the shared modules (``errors``,
   ``clock``, ``vocabulary``, ``model_document``, ``settings``, ``session_values``,
   ``text_rules``) import no other part of it but ``errors`` (``session_values`` and
   ``model_document`` also the ``vocabulary``, ``settings`` the ``text_rules``); ``persistence``
   sits below
   ``access``, ``delivery`` and ``recruiting``; ``psychometrics`` may also use ``delivery``.
3. Only ``assessment.persistence`` touches the database: SQLAlchemy, Alembic, the database
   driver, the table definitions and the engine module (tests and benchmarks aside).
4. Only the item format classes branch on an item's format (``items/formats.py``): the rest
   of the code asks the format (``item.format_rules``, ``items.formats.item_format``).

Known violations are listed by file; the lists must shrink to empty (phase 2 of issue 15),
and an entry that no longer violates must be removed, so the lists cannot go stale.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {
    "items",
    "scoring",
    "assessment",
    "reports",
    "cli",
    "app_pages",
    "app",
    "serve",
    "benchmarks",
}
ALLOWED: dict[str, set[str]] = {
    "scoring": set(),
    "items": {"scoring"},
    "assessment": {"items", "scoring"},
    "reports": {"items", "scoring", "assessment"},
    "cli": {"items", "scoring", "assessment", "reports"},
    "app_pages": {"items", "assessment", "reports"},
    "app": {"app_pages"},
    "serve": {"app_pages"},
    "benchmarks": {"items", "scoring", "assessment", "reports", "cli"},
}
KNOWN_LAYER_VIOLATIONS: set[str] = set()
ONLY_IN = {"streamlit": {"app", "serve", "app_pages"}, "reportlab": {"reports"}}
SCORING_ALLOWED_THIRD_PARTY = {"numpy", "scipy", "threadpoolctl"}
"""threadpoolctl sets the number of threads of numpy's own BLAS during calibration."""

SHARED = {
    "errors",
    "clock",
    "vocabulary",
    "model_document",
    "settings",
    "session_values",
    "spreadsheets",
    "text_rules",
}
ASSESSMENT_ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "clock": set(),
    "vocabulary": set(),
    "model_document": {"errors", "vocabulary"},
    "settings": {"errors", "text_rules"},
    "session_values": {"errors", "vocabulary"},
    "spreadsheets": set(),
    "text_rules": set(),
    "persistence": SHARED,
    "access": SHARED | {"persistence"},
    "delivery": SHARED | {"persistence"},
    "recruiting": SHARED | {"persistence"},
    "psychometrics": SHARED | {"persistence", "delivery"},
    "demo": SHARED | {"persistence", "access", "delivery", "psychometrics", "recruiting"},
}
KNOWN_ASSESSMENT_VIOLATIONS: set[str] = set()

DATABASE_MODULES = ("sqlalchemy", "alembic", "psycopg", "sqlite3")
DATABASE_INTERNALS = (
    "assessment.persistence.tables",
    "assessment.persistence.mail_tables",
    "assessment.persistence.db",
)
KNOWN_DATABASE_VIOLATIONS: set[str] = set()


FORMAT_CLASSES = {"items/formats.py", "items/models.py"}


def module_name(path: Path) -> str:
    """Dotted module name of a file under ROOT (``pkg/__init__.py`` is ``pkg``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Full dotted names of the modules a file imports, relative imports resolved.

    ``from pkg import name`` counts as importing ``pkg.name`` as well as ``pkg``, since ``name``
    may be a module.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def top_level(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


def package_files(package: str) -> list[Path]:
    if package in ("app", "serve"):
        return [ROOT / f"{package}.py"] if (ROOT / f"{package}.py").exists() else []
    return sorted((ROOT / package).rglob("*.py"))


def layer_offenders() -> set[str]:
    offenders = set()
    for package in sorted(ALLOWED):
        for path in package_files(package):
            used = top_level(imported_modules(path)) & PROJECT_PACKAGES - {package}
            if bad := used - ALLOWED[package]:
                offenders.add(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    return offenders


def assessment_part(module: str) -> str | None:
    """The sub-package or shared module of ``assessment`` a dotted name belongs to."""
    parts = module.split(".")
    return parts[1] if parts[0] == "assessment" and len(parts) > 1 else None


def assessment_offenders() -> set[str]:
    offenders = set()
    for path in package_files("assessment"):
        own = assessment_part(module_name(path))
        if own is None:  # the package's own __init__
            continue
        used = {part for m in imported_modules(path) if (part := assessment_part(m))} - {own}
        used &= set(ASSESSMENT_ALLOWED)  # ``from assessment.x import Name`` adds x.Name
        if bad := used - ASSESSMENT_ALLOWED[own]:
            offenders.add(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    return offenders


def database_offenders() -> set[str]:
    offenders = set()
    for package in sorted(ALLOWED.keys() - {"benchmarks"}):
        for path in package_files(package):
            if module_name(path).startswith("assessment.persistence"):
                continue
            modules = imported_modules(path)
            if top_level(modules) & set(DATABASE_MODULES) or any(
                module == internal or module.startswith(internal + ".")
                for module in modules
                for internal in DATABASE_INTERNALS
            ):
                offenders.add(str(path.relative_to(ROOT)))
    return offenders


def test_packages_import_only_lower_layers() -> None:
    offenders = layer_offenders()
    assert offenders - KNOWN_LAYER_VIOLATIONS == set(), "new layering violations"
    assert KNOWN_LAYER_VIOLATIONS - offenders == set(), "fixed: remove from the known list"


def test_assessment_sub_packages_import_only_lower_layers() -> None:
    offenders = assessment_offenders()
    assert offenders - KNOWN_ASSESSMENT_VIOLATIONS == set(), "new layering violations"
    assert KNOWN_ASSESSMENT_VIOLATIONS - offenders == set(), "fixed: remove from the known list"


def test_only_the_persistence_package_touches_the_database() -> None:
    offenders = database_offenders()
    assert offenders - KNOWN_DATABASE_VIOLATIONS == set(), "database access outside the store"
    assert KNOWN_DATABASE_VIOLATIONS - offenders == set(), "fixed: remove from the known list"


def test_assessment_folder_names_show_the_layers() -> None:
    """Every module of ``assessment`` sits in a sub-package, apart from the shared ones."""
    flat = {path.stem for path in (ROOT / "assessment").glob("*.py")} - {"__init__"}
    packages = {path.parent.name for path in (ROOT / "assessment").glob("*/__init__.py")}
    assert flat | packages == set(ASSESSMENT_ALLOWED)


def test_relative_imports_are_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    module = tmp_path / "assessment" / "recruiting" / "overview.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from . import exports\nfrom ..persistence.tables import Candidate\nfrom .. import demo\n",
        encoding="utf-8",
    )
    assert imported_modules(module) >= {
        "assessment.recruiting.exports",
        "assessment.persistence.tables",
        "assessment.demo",
    }


@pytest.mark.parametrize("library", sorted(ONLY_IN))
def test_ui_and_pdf_libraries_stay_at_the_edges(library: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in ALLOWED
        if package not in ONLY_IN[library]
        for path in package_files(package)
        if library in top_level(imported_modules(path))
    ]
    assert not offenders


def test_scoring_uses_only_numpy_and_scipy() -> None:
    stdlib = set(sys.stdlib_module_names)
    offenders = {
        str(path.relative_to(ROOT)): sorted(extra)
        for path in package_files("scoring")
        if (
            extra := top_level(imported_modules(path))
            - stdlib
            - SCORING_ALLOWED_THIRD_PARTY
            - {"scoring"}
        )
    }
    assert not offenders


def _names_a_format(node: ast.expr) -> bool:
    """``item.format``, ``pool.formats[j]``, ``item_format`` or a format name literal."""
    if isinstance(node, ast.Subscript):
        return _names_a_format(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr in ("format", "formats")
    if isinstance(node, ast.Name):
        return "format" in node.id
    if isinstance(node, ast.Constant):
        return node.value == "most_least"
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_format(element) for element in node.elts)
    return False


def format_branches(path: Path) -> list[str]:
    """Comparisons (``==``, ``!=``, ``in``, ``not in``) of an item format, as ``file:line``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops)
        and any(_names_a_format(operand) for operand in (node.left, *node.comparators))
    ]


def test_only_the_item_format_classes_branch_on_the_format() -> None:
    offenders = [
        branch
        for package in sorted(ALLOWED)
        for path in package_files(package)
        if str(path.relative_to(ROOT)) not in FORMAT_CLASSES
        for branch in format_branches(path)
    ]
    assert offenders == [], "ask the item's format (items/formats.py) instead of branching"


@pytest.mark.parametrize(
    "source",
    [
        'if item.format == "best":\n    pass\n',
        'x = 1 if pool.formats[j] != "best" else 2\n',
        'ok = item_format == "most_least"\n',
        'ok = kind in ("best", "most_least")\n',
    ],
)
def test_a_format_branch_is_found(tmp_path: Path, source: str) -> None:
    module = tmp_path / "module.py"
    module.write_text(source, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules[__name__], "ROOT", tmp_path)
        assert format_branches(module) == ["module.py:1"]


def test_a_comparison_of_something_else_is_not_a_format_branch(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('best = target == "best"\nsame = most == least\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules[__name__], "ROOT", tmp_path)
        assert format_branches(module) == []


def test_the_file_commands_of_a_psychometrician_load_no_database_code() -> None:
    """``sjt calibrate`` and ``sjt score`` work on files: importing what they use must not
    import SQLAlchemy (a second of start-up) or the store."""
    import subprocess

    code = (
        "import sys, cli.psychometrics, assessment.psychometrics.carry_over\n"
        "loaded = [m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))"
        " or m == 'assessment.persistence.store']\n"
        "print(','.join(sorted(loaded)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == ""
