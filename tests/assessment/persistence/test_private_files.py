"""Database files, backups, exports and reports are readable by their owner only (issue 11,
finding 11): created 0600 whatever the umask, SQLite's -wal and -shm included."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.persistence.backup import backup_database
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import write_csv, write_json

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive usual umask, as a careless service account might have."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_the_sqlite_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    store = Store.open(f"sqlite:///{folder / 'sjt.db'}")
    try:
        store.add_candidate("Ada", "ada@example.org")
        files = sorted(folder.iterdir())
        assert {p.name for p in files} >= {"sjt.db", "sjt.db-wal", "sjt.db-shm"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(folder) == 0o700
    finally:
        store.engine.dispose()


@pytest.mark.usefixtures("open_umask")
def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store.open(f"sqlite:///{path}").engine.dispose()
    path.chmod(0o644)
    Store.open(f"sqlite:///{path}").engine.dispose()
    assert mode(path) == 0o600


@pytest.mark.usefixtures("open_umask")
@pytest.mark.parametrize("name", ["b.jsonl", "b.jsonl.gz"])
def test_backups_are_private(tmp_path: Path, name: str) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'sjt.db'}")
    try:
        store.add_candidate("Ada")
        summary = backup_database(store, tmp_path / "backups" / name)
        assert mode(summary.path) == 0o600
    finally:
        store.engine.dispose()


@pytest.mark.usefixtures("open_umask")
def test_exports_are_private_even_when_a_readable_file_is_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o644)
    write_json(target, {"candidate": "Ada"})
    write_csv(tmp_path / "scores.csv", ["candidate_id"], [["C1"]])
    assert mode(target) == 0o600
    assert mode(tmp_path / "scores.csv") == 0o600


def test_the_sjt_command_creates_files_for_its_owner_only(tmp_path: Path) -> None:
    """The console script sets umask 077 for everything it writes (here a PDF-less backup)."""
    env = {**os.environ, "SJT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    script = (
        "import os, sys; os.umask(0o022); sys.argv = ['sjt', *sys.argv[1:]]; "
        "from cli.main import main; main()"
    )
    out = tmp_path / "out" / "all.jsonl"
    out.parent.mkdir(mode=0o755)  # the command never creates an output's folder
    subprocess.run(
        [sys.executable, "-c", script, "backup", "--out", str(out)],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert mode(out) == 0o600
    assert mode(tmp_path / "cli.db") == 0o600
