"""Helpers of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    """Run ``sjt`` with ``args``; its exit code and output."""
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.output


def use_copy_of(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Copy the SQLite file ``seeded`` and select the copy for ``sjt`` (SJT_DATABASE_URL)."""
    copy = tmp_path / "sjt.db"
    copy.write_bytes(seeded.read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    return url
