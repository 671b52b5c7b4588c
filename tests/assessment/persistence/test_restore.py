"""``restore_database`` never destroys data (issue 11, finding 1).

The whole file is checked, and an older backup staged and migrated in a scratch database,
before the live database is touched; the content is then replaced in one transaction. Every
failure leaves the database exactly as it was and names the line, table and column, never a
stored value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import OperationalError

from assessment.errors import BackupError
from assessment.persistence import restore
from assessment.persistence.backup import backup_database, current_revision, table_counts
from assessment.persistence.restore import restore_database
from assessment.persistence.store import Store
from tests.assessment.conftest import store_at_revision

NAME, EMAIL = "Ada Lovelace", "ada.lovelace@example.com"
Lines = list[dict[str, Any]]


def snapshot(store: Store) -> dict[str, Any]:
    """Every row of every table, and the schema revision."""
    with store.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        rows = {
            name: sorted(
                (tuple(map(_utc, row)) for row in connection.execute(select(table))), key=repr
            )
            for name, table in metadata.tables.items()
        }
        return {"revision": current_revision(connection), "rows": rows}


def _utc(value: Any) -> Any:
    """Datetimes compared in UTC (SQLite keeps them naive, PostgreSQL with a zone)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


@pytest.fixture
def live(store: Store) -> Store:
    """A database in use: candidates, invitations, an audit trail."""
    for n in range(3):
        candidate = store.add_candidate(f"Live {n}", f"live{n}@example.com", "Agent")
        store.create_invitation(candidate)
    store.audit("cli", "invite", None, {"count": 3})
    return store


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Store]:
    """Another SQLite database whose backups are damaged by the tests."""
    opened = Store.open(f"sqlite:///{tmp_path / 'source.db'}")
    candidate = opened.add_candidate(NAME, EMAIL, "Counter clerk")
    opened.create_invitation(candidate, time_limit_minutes=40)
    opened.create_invitation(opened.add_candidate("Grace Hopper", "grace@example.com"))
    yield opened
    opened.engine.dispose()


def read(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(lines: Lines, path: Path) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def columns(lines: Lines, table: str) -> list[str]:
    (spec,) = [t for t in lines[0]["tables"] if t["name"] == table]
    return [c["name"] for c in spec["columns"]]


def rows(lines: Lines, table: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("t") == table]


def set_value(lines: Lines, table: str, column: str, value: Any, row: int = 0) -> None:
    rows(lines, table)[row]["r"][columns(lines, table).index(column)] = value


def duplicate(lines: Lines, table: str) -> None:
    first = rows(lines, table)[0]
    lines.insert(lines.index(first) + 1, json.loads(json.dumps(first)))
    lines[-1]["counts"][table] += 1


def assert_quiet(error: pytest.ExceptionInfo[BackupError]) -> None:
    """The message names places, never stored values."""
    message = str(error.value)
    for secret in (NAME, "Lovelace", EMAIL, "Grace", "grace@example.com"):
        assert secret not in message, message
    assert "\n" not in message


Damage = Callable[[Lines], None]
DAMAGES: list[tuple[str, Damage, str]] = [
    ("duplicate key", lambda ls: duplicate(ls, "candidates"), "same primary key"),
    ("text in a number", lambda ls: set_value(ls, "invitations", "time_limit_minutes", "ten"),
     "'time_limit_minutes' of 'invitations' has the wrong type"),
    ("too long", lambda ls: set_value(ls, "candidates", "id", "C" * 40),
     "'id' of 'candidates' is longer"),
    ("missing value", lambda ls: set_value(ls, "candidates", "synthetic", None),
     "'synthetic' of 'candidates' is empty"),
    ("bad time", lambda ls: set_value(ls, "invitations", "expires_at", "next tuesday"),
     "'expires_at' of 'invitations' cannot be read"),
    ("dangling reference", lambda ls: set_value(ls, "invitations", "candidate_id", "CNOPE"),
     "rows of 'invitations' break the schema"),
    ("duplicate token", lambda ls: set_value(
        ls, "invitations", "token_hash", rows(ls, "invitations")[1]["r"][
            columns(ls, "invitations").index("token_hash")]),
     "rows of 'invitations' break the schema"),
    ("number as a name", lambda ls: set_value(ls, "candidates", "display_name", 42),
     "'display_name' of 'candidates' has the wrong type"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "damage", "message"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_damaged_row_is_refused_and_nothing_changes(
    live: Store, source: Store, tmp_path: Path, label: str, damage: Damage, message: str
) -> None:
    lines = read(backup_database(source, tmp_path / "b.jsonl").path)
    damage(lines)
    before = snapshot(live)
    with pytest.raises(BackupError, match=message) as caught:
        restore_database(live, write(lines, tmp_path / "bad.jsonl"), wipe=True)
    assert "line" in str(caught.value)
    assert_quiet(caught)
    assert snapshot(live) == before


def test_columns_that_do_not_match_the_schema_are_refused(
    live: Store, source: Store, tmp_path: Path
) -> None:
    lines = read(backup_database(source, tmp_path / "b.jsonl").path)
    spec = next(t for t in lines[0]["tables"] if t["name"] == "candidates")
    spec["columns"][1]["name"] = "nickname"
    before = snapshot(live)
    with pytest.raises(BackupError, match=r"columns of 'candidates' do not match.*'nickname'"):
        restore_database(live, write(lines, tmp_path / "bad.jsonl"), wipe=True)
    assert snapshot(live) == before


def older_backup(tmp_path: Path, damage: Damage | None = None) -> Path:
    """A backup written at schema revision 0001, optionally damaged."""
    old = store_at_revision(f"sqlite:///{tmp_path / 'old.db'}", "0001")
    try:
        candidate = old.add_candidate(NAME, EMAIL)
        old.create_invitation(candidate)
        old.create_invitation(old.add_candidate("Grace Hopper", "grace@example.com"))
        path = backup_database(old, tmp_path / "old.jsonl").path
    finally:
        old.engine.dispose()
    if damage is not None:
        lines = read(path)
        damage(lines)
        write(lines, path)
    return path


@pytest.mark.parametrize(
    ("label", "damage", "message"), DAMAGES[:3], ids=[d[0] for d in DAMAGES[:3]]
)
def test_a_damaged_older_backup_leaves_the_database_and_its_schema_as_they_were(
    live: Store, tmp_path: Path, label: str, damage: Damage, message: str
) -> None:
    """It used to wipe the rows and downgrade the schema, then fail: an empty database."""
    path = older_backup(tmp_path, damage)
    before = snapshot(live)
    with pytest.raises(BackupError, match=message) as caught:
        restore_database(live, path, wipe=True)
    assert_quiet(caught)
    after = snapshot(live)
    assert after["revision"] == before["revision"]  # not downgraded
    assert after == before


def test_an_older_backup_replaces_the_content_and_the_schema_stays_newest(
    live: Store, tmp_path: Path
) -> None:
    head = snapshot(live)["revision"]
    restore_database(live, older_backup(tmp_path), wipe=True)
    assert snapshot(live)["revision"] == head
    names = {c.display_name for c in map(live.candidate, _candidate_ids(live)) if c}
    assert names == {NAME, "Grace Hopper"}
    assert table_counts(live.engine)["invitations"] == 2


def _candidate_ids(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT id FROM candidates")]


def test_a_failure_while_replacing_the_content_rolls_everything_back(
    live: Store, source: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wipe and the load are one transaction: a failure half way changes nothing."""
    path = backup_database(source, tmp_path / "b.jsonl").path
    real_load = restore._load

    def load_then_fail(connection: Any, staged: Path) -> None:
        real_load(connection, staged)
        raise OperationalError("INSERT …", {"display_name": NAME}, Exception("disk I/O error"))

    monkeypatch.setattr(restore, "_load", load_then_fail)
    before = snapshot(live)
    with pytest.raises(BackupError, match="rolled back and the database is unchanged") as caught:
        restore_database(live, path, wipe=True)
    assert_quiet(caught)
    assert snapshot(live) == before


def test_a_good_backup_replaces_the_content_exactly(
    live: Store, source: Store, tmp_path: Path
) -> None:
    path = backup_database(source, tmp_path / "b.jsonl").path
    restore_database(live, path, wipe=True)
    restored, original = snapshot(live)["rows"], snapshot(source)["rows"]
    for table in ("candidates", "invitations", "audit_log"):
        assert restored[table] == original[table], table
