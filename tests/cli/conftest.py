"""Helpers of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def use_copy_of(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Copy the SQLite file ``seeded`` and select the copy for ``sjt`` (SJT_DATABASE_URL)."""
    copy = tmp_path / "sjt.db"
    copy.write_bytes(seeded.read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    return url
