"""``sjt bank validate`` prints counts for a good bank and every problem for a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from items.loader import DEFAULT_BANK

runner = CliRunner()


def test_validate_packaged_bank_prints_counts() -> None:
    result = runner.invoke(app, ["bank", "validate"])
    assert result.exit_code == 0, result.output
    assert "service_orientation" in result.output
    assert "most_least" in result.output
    assert "zh" in result.output


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(DEFAULT_BANK, target)
    return target


def first_item(bank: Path) -> Path:
    return sorted(bank.rglob("*.yaml"))[0]


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda p: p.write_bytes(b""), "file is empty"),
        (lambda p: p.write_bytes(b"item:\n  id: [\n"), "YAML syntax error"),
        (lambda p: p.write_bytes(p.read_bytes() + b"\n# \xff\xfe"), "not valid UTF-8"),
        (
            lambda p: p.write_text(
                p.read_text(encoding="utf-8").replace("credit: 3", "credit: 9", 1),
                encoding="utf-8",
            ),
            "credit",
        ),
        (
            lambda p: p.write_text(
                p.read_text(encoding="utf-8").replace("  setting:", "  mood: calm\n  setting:", 1),
                encoding="utf-8",
            ),
            "unknown field",
        ),
    ],
)
def test_broken_copies_are_rejected_naming_the_file(
    bank_copy: Path, breakage: object, expected: str
) -> None:
    broken = first_item(bank_copy)
    breakage(broken)  # type: ignore[operator]
    result = runner.invoke(app, ["bank", "validate", "--bank", str(bank_copy)])
    assert result.exit_code == 1
    assert expected in result.output
    assert broken.relative_to(bank_copy).as_posix() in result.output
    assert "Traceback" not in result.output


def test_duplicate_id_in_another_file_is_rejected(bank_copy: Path) -> None:
    original = first_item(bank_copy)
    (bank_copy / "extra").mkdir()
    shutil.copy(original, bank_copy / "extra" / original.name)
    result = runner.invoke(app, ["bank", "validate", "--bank", str(bank_copy)])
    assert result.exit_code == 1
    assert "duplicate id" in result.output
    assert f"extra/{original.name}" in result.output


def test_console_script_reports_a_missing_folder_without_traceback(tmp_path: Path) -> None:
    sjt = Path(sys.executable).parent / "sjt"
    result = subprocess.run(
        [str(sjt), "bank", "validate", "--bank", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "is not a folder" in result.stderr
    assert "Traceback" not in result.stderr
