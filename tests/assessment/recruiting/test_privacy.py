"""Privacy on SQLite and PostgreSQL: purge personal data, export a candidate, back up, restore."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from assessment.access.accounts import add_user, authenticate
from assessment.clock import utcnow
from assessment.demo import SYNTHETIC_LABEL, seed_demo, synthetic_model_document
from assessment.errors import BackupError, InvitationError, PrivacyError
from assessment.model_document import ModelDocument
from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.backup import backup_database, inspect_backup, table_counts
from assessment.persistence.restore import restore_database
from assessment.persistence.store import ScoreRecord, Store, hash_token
from assessment.persistence.tables import (
    AuditEntry,
    Candidate,
    GroupMembership,
    Invitation,
    ResponseRow,
    Score,
    TestSession,
)
from assessment.psychometrics.fairness import record_groups
from assessment.psychometrics.versions import collected_responses
from assessment.recruiting.privacy import export_candidate, purge_personal_data
from items import ItemBank
from tests.assessment.conftest import _postgres_database, store_at_revision
from tests.stores import opened_store

LATER = dt.timedelta(days=30)


@pytest.fixture(scope="module")
def model_document(bank: ItemBank) -> ModelDocument:
    """The synthetic demo model, built once for the module."""
    return synthetic_model_document(bank)


@pytest.fixture
def seeded(store: Store, bank: ItemBank, model_document: ModelDocument) -> Store:
    """Six synthetic candidates through the engine, group answers for two of them."""
    store.add_model_version(SYNTHETIC_LABEL, model_document, created_by="demo", activate=True)
    seed_demo(store, bank, 6)
    sessions = sorted(completed_session_ids(store))
    record_groups(store, sessions[0], {"gender": "woman", "age_band": "25-39"})
    record_groups(store, sessions[1], {"gender": "prefer not to say"})
    return store


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend as ``database_url`` (and ``store``)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def fresh(fresh_url: str) -> Iterator[Store]:
    with opened_store(fresh_url) as opened:
        yield opened


def session_ids(store: Store) -> list[str]:
    with store.transaction() as db:
        return list(db.scalars(select(TestSession.id)))


def completed_session_ids(store: Store) -> list[str]:
    with store.transaction() as db:
        return list(db.scalars(select(TestSession.id).where(TestSession.status == "completed")))


def candidates(store: Store) -> list[Candidate]:
    with store.transaction() as db:
        return list(db.scalars(select(Candidate).order_by(Candidate.id)))


def all_rows(store: Store, model: Any) -> list[tuple[Any, ...]]:
    """Every row of a table as tuples of its column values, in primary-key order."""
    columns = [column.key for column in model.__table__.columns]
    with store.transaction() as db:
        rows = db.scalars(select(model).order_by(*model.__table__.primary_key.columns))
        return [tuple(getattr(row, name) for name in columns) for row in rows]


def old_invited_candidate(store: Store, days_ago: float) -> tuple[str, str]:
    """A candidate invited ``days_ago`` days ago who never started; returns (id, token)."""
    candidate = store.add_candidate("Old Invitee", "old@example.com", "Field service engineer")
    invitation_id, token = store.create_invitation(candidate, expires_in_days=365)
    then = utcnow() - dt.timedelta(days=days_ago)
    with store.transaction() as db:
        db.execute(update(Candidate).where(Candidate.id == candidate).values(created_at=then))
        db.execute(update(Invitation).where(Invitation.id == invitation_id).values(created_at=then))
    return candidate, token


# ------------------------------------------------------------------------------- purge
def test_purge_removes_names_and_emails_but_keeps_responses_and_scores(
    seeded: Store, bank: ItemBank
) -> None:
    n_responses = seeded.count_responses()
    n_sessions = len(all_rows(seeded, TestSession))
    scores_before = all_rows(seeded, Score)
    calibration_before = collected_responses(seeded, bank, EVERY_COMPLETED_SESSION).data

    result = purge_personal_data(seeded, 7, now=utcnow() + LATER)

    assert result.candidates == 6
    assert result.group_answers == 3
    assert (result.sessions_kept, result.responses_kept) == (n_sessions, n_responses)
    for candidate in candidates(seeded):
        assert (candidate.display_name, candidate.email, candidate.position) == (None, None, None)
        assert candidate.purged_at is not None
        assert candidate.synthetic  # the label that marks demo data stays
    assert table_counts(seeded.engine)["group_memberships"] == 0
    assert seeded.count_responses() == n_responses
    assert all_rows(seeded, Score) == scores_before
    after = collected_responses(seeded, bank, EVERY_COMPLETED_SESSION).data
    assert after.n_candidates == calibration_before.n_candidates
    entry = seeded.audit_entries("privacy.purge")[0]
    assert entry.detail is not None
    assert entry.detail["candidates"] == 6
    assert entry.detail["responses_kept"] == n_responses
    again = purge_personal_data(seeded, 7, now=utcnow() + LATER)
    assert (again.candidates, again.group_answers) == (0, 0)  # each candidate is purged once


def test_purge_spares_recent_candidates_and_dry_run_changes_nothing(store: Store) -> None:
    seeded = store
    recent = seeded.add_candidate("New Invitee", "new@example.com")
    seeded.create_invitation(recent)
    started, started_token = old_invited_candidate(seeded, days_ago=60)
    session_id = seeded.start_session(
        seeded.resolve_token(started_token), "en", None
    )  # active today
    old, token = old_invited_candidate(seeded, days_ago=60)
    before = all_rows(seeded, Candidate)

    preview = purge_personal_data(seeded, 30, dry_run=True)

    assert preview.candidate_ids == (old,)
    assert preview.invitations_closed == 1
    assert all_rows(seeded, Candidate) == before
    assert seeded.audit_entries("privacy.purge") == []

    done = purge_personal_data(seeded, 30)

    assert done.counts() == preview.counts()
    purged = seeded.candidate(old)
    assert purged is not None
    assert purged.display_name is None
    assert purged.email is None
    others = [c for c in candidates(seeded) if c.id != old]
    assert {c.id for c in others} == {recent, started}
    assert all(c.display_name and c.email and c.purged_at is None for c in others)
    assert seeded.load_session(session_id).status == "started"
    with pytest.raises(InvitationError, match="expired"):  # the old link no longer opens
        seeded.resolve_token(token)


def test_purge_refuses_a_negative_age(store: Store) -> None:
    with pytest.raises(PrivacyError, match="from 0 to"):
        purge_personal_data(store, -1)


# ------------------------------------------------------------------------------ export
def test_export_contains_the_candidates_responses_and_score_history(seeded: Store) -> None:
    session_id = sorted(completed_session_ids(seeded))[0]
    record = seeded.load_session(session_id)
    current = seeded.scores(session_id)
    seeded.replace_scores(
        session_id,
        [ScoreRecord(s.competency, s.theta + 0.1, s.se, None, None, s.n_items,
                     s.model_version_id) for s in current],
    )  # fmt: skip

    data = export_candidate(seeded, record.candidate_id)

    text = json.dumps(data, allow_nan=False)  # plain JSON, nothing else
    assert data["candidate"]["id"] == record.candidate_id
    assert data["candidate"]["email"].endswith("@example.invalid")
    assert [s["id"] for s in data["sessions"]] == [session_id]
    assert data["sessions"][0]["flags"]["stop_reason"]
    assert [r["item_id"] for r in data["responses"]] == [
        r.item_id for r in record.session.responses
    ]
    assert len(data["scores"]) == 2 * len(current)
    assert sorted(s["current"] for s in data["scores"]) == [False] * 5 + [True] * 5
    assert {(g["field"], g["value"]) for g in data["group_answers"]} == {
        ("gender", "woman"),
        ("age_band", "25-39"),
    }
    assert data["invitations"]
    assert "token_hash" not in text
    with seeded.transaction() as db:
        stored_hash = db.scalar(
            select(Invitation.token_hash).where(Invitation.candidate_id == record.candidate_id)
        )
    assert stored_hash not in text
    assert seeded.audit_entries("privacy.export")[0].target == record.candidate_id
    other = next(c for c in candidates(seeded) if c.id != record.candidate_id)
    assert other.id not in text
    assert str(other.display_name) not in text


def test_export_of_an_unknown_candidate_is_a_clear_error(store: Store) -> None:
    with pytest.raises(PrivacyError, match="no candidate with id 'C000'"):
        export_candidate(store, "C000")


# ------------------------------------------------------------------------------ backup
def test_backup_and_restore_round_trip_the_database(
    seeded: Store, fresh: Store, tmp_path: Path
) -> None:
    name = "backup.jsonl.gz"
    add_user(seeded, "alice", "a long enough password", "recruiter")
    summary = backup_database(seeded, tmp_path / name)
    assert summary.counts == table_counts(seeded.engine)
    assert not list(tmp_path.glob("*.tmp"))

    restored = restore_database(fresh, tmp_path / name)

    assert restored.counts == summary.counts
    assert table_counts(fresh.engine) == table_counts(seeded.engine)
    for model in (Score, ResponseRow, TestSession, Candidate, Invitation, GroupMembership):
        assert all_rows(fresh, model) == all_rows(seeded, model), model.__tablename__
    assert fresh.active_model_version().label == SYNTHETIC_LABEL  # type: ignore[union-attr]
    assert authenticate(fresh, "alice", "a long enough password").role == "recruiter"
    # ids continue after the restored ones
    candidate = fresh.add_candidate("New")
    invitation_id, token = fresh.create_invitation(candidate)
    assert invitation_id > max(row[0] for row in all_rows(seeded, Invitation))
    assert fresh.resolve_token(token).candidate_id == candidate
    fresh.audit("test", "after.restore")


def test_backups_hold_token_hashes_never_tokens(store: Store, tmp_path: Path) -> None:
    _, token = store.create_invitation(store.add_candidate())
    backup_database(store, tmp_path / "b.jsonl")
    text = (tmp_path / "b.jsonl").read_text(encoding="utf-8")
    assert token not in text
    assert hash_token(token) in text


def test_restore_refuses_a_database_that_is_not_empty_unless_told_to_wipe(
    store: Store, fresh: Store, tmp_path: Path
) -> None:
    seeded = store
    for name in ("Ada", "Bob", "Cy"):
        seeded.create_invitation(seeded.add_candidate(name, f"{name.lower()}@example.com"))
    backup_database(seeded, tmp_path / "b.jsonl")
    fresh.add_candidate("Someone already here")
    with pytest.raises(BackupError, match=r"not empty: candidates \(1\).*--yes"):
        restore_database(fresh, tmp_path / "b.jsonl")
    assert table_counts(fresh.engine)["candidates"] == 1

    restore_database(fresh, tmp_path / "b.jsonl", wipe=True)

    assert table_counts(fresh.engine) == table_counts(seeded.engine)


def test_restore_refuses_a_backup_from_a_newer_schema(
    store: Store, fresh: Store, tmp_path: Path
) -> None:
    store.add_candidate("Ada")
    backup_database(store, tmp_path / "b.jsonl")
    lines = (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    header["alembic_revision"] = "9999_from_the_future"
    lines[0] = json.dumps(header) + "\n"
    (tmp_path / "future.jsonl").write_text("".join(lines), encoding="utf-8")

    with pytest.raises(BackupError, match=r"'9999_from_the_future'.*does not know"):
        restore_database(fresh, tmp_path / "future.jsonl")
    assert sum(table_counts(fresh.engine).values()) == 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: lines[:-1], "end line is missing"),
        (lambda lines: [*lines[:2], "{not json\n", *lines[2:]], "line 3: not valid JSON"),
        (lambda lines: [*lines[:2], '{"t": "nope", "r": []}\n', *lines[2:]], "unknown table"),
        (lambda lines: ['{"hello": 1}\n'], "not an sjt backup"),
        (lambda lines: [], "empty"),
    ],
)
def test_damaged_backups_are_refused_before_anything_changes(
    store: Store, fresh: Store, tmp_path: Path, damage: Any, message: str
) -> None:
    store.add_candidate("Ada")
    backup_database(store, tmp_path / "b.jsonl")
    lines = (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "bad.jsonl").write_text("".join(damage(lines)), encoding="utf-8")
    fresh.add_candidate("Bob")
    with pytest.raises(BackupError, match=message):
        restore_database(fresh, tmp_path / "bad.jsonl", wipe=True)
    assert [c.display_name for c in candidates(fresh)] == ["Bob"]


def test_truncated_gzip_backup_is_refused(store: Store, fresh: Store, tmp_path: Path) -> None:
    store.add_candidate("Ada")
    backup_database(store, tmp_path / "b.jsonl.gz")
    data = (tmp_path / "b.jsonl.gz").read_bytes()
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupError, match="damaged or truncated"):
        inspect_backup(tmp_path / "cut.jsonl.gz")
    assert gzip.decompress(data)  # the intact file is a real gzip


def test_a_backup_of_an_older_schema_is_restored_and_migrated(
    database_url: str, fresh: Store, tmp_path: Path
) -> None:
    old = store_at_revision(database_url, "0001")
    try:
        old.create_invitation(old.add_candidate("Ada", "ada@example.com"))
        summary = backup_database(old, tmp_path / "old.jsonl")
    finally:
        old.engine.dispose()
    assert summary.revision == "0001"
    assert "group_memberships" not in summary.counts

    restore_database(fresh, tmp_path / "old.jsonl")

    assert [c.display_name for c in candidates(fresh)] == ["Ada"]
    assert table_counts(fresh.engine)["group_memberships"] == 0  # migrated to the newest schema


@pytest.mark.postgres
def test_a_backup_moves_between_sqlite_and_postgresql(seeded: Store, tmp_path: Path) -> None:
    """SQLite → PostgreSQL and PostgreSQL → SQLite give the same rows."""
    backup_database(seeded, tmp_path / "b.jsonl.gz")
    if seeded.engine.dialect.name == "sqlite":
        urls = _postgres_database()
        other_url = next(urls)
    else:
        urls = iter(())
        other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = Store.open(other_url)
    try:
        restore_database(other, tmp_path / "b.jsonl.gz")
        for model in (Score, ResponseRow, TestSession, Candidate, AuditEntry):
            assert all_rows(other, model) == all_rows(seeded, model), model.__tablename__
    finally:
        other.engine.dispose()
        for _ in urls:  # drop the PostgreSQL database
            pass
