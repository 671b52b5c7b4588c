"""``sjt purge``, ``sjt export``, ``sjt backup`` and ``sjt restore`` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment.demo import SYNTHETIC_LABEL, seed_demo, synthetic_model_document
from assessment.persistence.backup import table_counts
from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate, ResponseRow, TestSession
from items import load_bank
from tests.cli.conftest import run, use_copy_of


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with six demo candidates, copied by each test."""
    path = tmp_path_factory.mktemp("privacy") / "seeded.db"
    store = Store.open(f"sqlite:///{path}")
    bank = load_bank()
    store.add_model_version(SYNTHETIC_LABEL, synthetic_model_document(bank), activate=True)
    seed_demo(store, bank, 6)
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    return path


@pytest.fixture
def database(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the seeded database, selected for the commands by SJT_DATABASE_URL."""
    return use_copy_of(seeded_file, tmp_path, monkeypatch)


def open_store(url: str) -> Store:
    return Store.open(url)


def answering_candidate(url: str) -> str:
    """A demo candidate who has answered at least one item (the demo also invites some)."""
    store = open_store(url)
    try:
        with store.transaction() as db:
            return str(
                db.scalars(
                    select(TestSession.candidate_id)
                    .join(ResponseRow, ResponseRow.session_id == TestSession.id)
                    .order_by(TestSession.candidate_id)
                ).first()
            )
    finally:
        store.engine.dispose()


def candidate_ids(url: str) -> list[str]:
    store = open_store(url)
    try:
        with store.transaction() as db:
            return list(db.scalars(select(Candidate.id).order_by(Candidate.id)))
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("command", ["purge", "export", "backup", "restore"])
def test_every_privacy_command_has_help(command: str) -> None:
    code, output = run(command, "--help")
    assert code == 0
    assert "Usage" in output


def test_purge_dry_run_counts_and_purge_removes_names(database: str) -> None:
    code, output = run("purge", "--older-than", "0", "--dry-run")
    assert code == 0, output
    assert "would purge the personal data of 6 candidate(s)" in output
    store = open_store(database)
    try:
        names = [getattr(store.candidate(c), "display_name", None) for c in candidate_ids(database)]
        assert all(names)
        n_responses = store.count_responses()
    finally:
        store.engine.dispose()

    code, output = run("purge", "--older-than", "0")

    assert code == 0, output
    assert "purged the personal data of 6 candidate(s)" in output
    assert f"{n_responses} responses" in output
    store = open_store(database)
    try:
        for candidate_id in candidate_ids(database):
            row = store.candidate(candidate_id)
            assert row is not None
            assert (row.display_name, row.email, row.position) == (None, None, None)
        assert store.count_responses() == n_responses
        assert store.audit_entries("privacy.purge")
    finally:
        store.engine.dispose()


def test_purge_of_recent_candidates_changes_nothing(database: str) -> None:
    code, output = run("purge", "--older-than", "30")
    assert code == 0, output
    assert "0 candidate(s)" in output


def test_purge_needs_a_non_negative_age(database: str) -> None:
    code, output = run("purge", "--older-than", "-3")
    assert code != 0
    assert "Traceback" not in output


def test_export_writes_the_candidates_responses(database: str, tmp_path: Path) -> None:
    candidate = answering_candidate(database)
    code, output = run("export", "--candidate", candidate, "--out", tmp_path / "me.json")
    assert code == 0, output
    data = json.loads((tmp_path / "me.json").read_text(encoding="utf-8"))
    assert data["candidate"]["id"] == candidate
    assert data["responses"]
    assert {r["session_id"] for r in data["responses"]} == {s["id"] for s in data["sessions"]}

    code, output = run("export", "--candidate", candidate)
    assert code == 0, output
    assert json.loads(output)["candidate"]["id"] == candidate


def test_export_of_an_unknown_candidate_fails_clearly(database: str, tmp_path: Path) -> None:
    code, output = run("export", "--candidate", "CNOSUCHID", "--out", tmp_path / "x.json")
    assert code == 1
    assert "error: no candidate with id 'CNOSUCHID'" in output
    assert "Traceback" not in output
    assert not (tmp_path / "x.json").exists()


def test_export_by_email_finds_every_record_of_the_person(database: str, tmp_path: Path) -> None:
    store = open_store(database)
    try:
        first = store.add_candidate("Ada Lovelace", "ada@example.org")
        store.create_invitation(first)
        second = store.add_candidate("Ada L.", "ADA@example.org ")  # invited a second time
        store.create_invitation(second)
    finally:
        store.engine.dispose()
    code, output = run("export", "--email", "Ada@Example.org", "--out", tmp_path / "ada.json")
    assert code == 0, output
    assert "2 candidate record(s)" in output
    data = json.loads((tmp_path / "ada.json").read_text(encoding="utf-8"))
    assert [r["candidate"]["id"] for r in data["candidates"]] == [first, second]
    assert (tmp_path / "ada.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("flags", [[], ["--candidate", "C1", "--email", "a@example.org"]])
def test_export_needs_exactly_one_of_candidate_and_email(database: str, flags: list[str]) -> None:
    code, output = run("export", *flags)
    assert code == 2  # a command-line error, as docs/file-formats.md states
    assert "Usage: " in output
    assert "export [OPTIONS]" in output
    assert "either --candidate ID or --email ADDRESS" in output


def test_purge_reports_the_audit_retention_and_the_rewritten_files(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SJT_AUDIT_RETENTION_DAYS", "30")
    code, output = run("purge", "--older-than", "0")
    assert code == 0, output
    assert "audit entries older than 30 days deleted: 0" in output
    assert "SQLite file rebuilt (VACUUM) and its WAL truncated" in output


def test_backup_and_restore_into_a_second_database(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = open_store(database)
    expected = table_counts(source.engine)
    source.engine.dispose()
    code, output = run("backup", "--out", tmp_path / "sjt-backup.jsonl.gz")
    assert code == 0, output
    assert "backed up" in output

    second = f"sqlite:///{tmp_path / 'second.db'}"
    monkeypatch.setenv("SJT_DATABASE_URL", second)
    code, output = run("restore", tmp_path / "sjt-backup.jsonl.gz")
    assert code == 0, output
    assert "restored" in output

    target = open_store(second)
    try:
        counts = table_counts(target.engine)
        assert counts.pop("audit_log") == expected.pop("audit_log") + 1  # + the restore entry
        assert counts == expected
    finally:
        target.engine.dispose()

    code, output = run("restore", tmp_path / "sjt-backup.jsonl.gz")
    assert code == 1
    assert "not empty" in output
    assert "--yes" in output
    code, output = run("restore", tmp_path / "sjt-backup.jsonl.gz", "--yes")
    assert code == 0, output


def test_restore_of_a_missing_or_foreign_file_fails_clearly(database: str, tmp_path: Path) -> None:
    code, output = run("restore", tmp_path / "nothing.jsonl")
    assert code == 1
    assert "file not found" in output
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    code, output = run("restore", tmp_path / "notes.txt", "--yes")
    assert code == 1
    assert "not valid JSON" in output
    assert "Traceback" not in output
    assert len(candidate_ids(database)) == 6  # untouched


@pytest.mark.parametrize("command", ["backup", "scores", "responses", "model export"])
def test_an_output_naming_the_database_file_is_refused(database: str, command: str) -> None:
    """``sjt backup --out sjt.db`` would write the backup over the database it backs up."""
    file = Path(database.removeprefix("sqlite:///"))
    before = file.read_bytes()
    code, output = run(*command.split(), "--out", file)
    assert code == 2, output
    assert f"error: --out '{file}' is the database file (SJT_DATABASE_URL)" in output
    assert file.read_bytes() == before
    assert table_counts(open_store(database).engine)
