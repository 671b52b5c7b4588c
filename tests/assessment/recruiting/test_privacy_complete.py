"""Purge and access requests that leave nothing behind (issue 11, findings 7 and 11).

A purge removes the values from the database files, closes every link of the purged (a started
test too), and deletes audit entries past the retention period; an export by email finds every
candidate record of the person, and the audit entries that name the address.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import text, update

from assessment.clock import utcnow
from assessment.delivery.service import Delivery
from assessment.demo import SYNTHETIC_LABEL, ensure_active_model, synthetic_model_document
from assessment.errors import InvitationError, PrivacyError
from assessment.persistence.audit import AuditLog
from assessment.persistence.store import Store
from assessment.persistence.tables import AuditEntry
from assessment.psychometrics.versions import promote, rollback
from assessment.recruiting.privacy import export_person, purge_personal_data
from items import load_bank

NAME, EMAIL = "Zebulon Quixote-Purgeable", "zebulon.purgeable@example.org"
LATER = dt.timedelta(days=1)


def sqlite_files(store: Store) -> bytes:
    path = Path(str(store.engine.url.database))
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


def test_a_purged_name_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'sjt.db'}")
    try:
        for n in range(50):  # enough rows that pages are reused rather than rewritten
            store.create_invitation(store.add_candidate(f"Other {n}", f"other{n}@example.org"))
        store.create_invitation(store.add_candidate(NAME, EMAIL, "Counter clerk"))
        with store.engine.connect() as connection:  # the name reaches the main file
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert NAME.encode() in sqlite_files(store)
        with store.engine.connect() as connection:  # and a passive checkpoint later on
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

        result = purge_personal_data(store, 0, now=utcnow() + LATER)

        assert result.candidates == 51
        assert result.compaction is not None
        assert result.compaction.done
        everything = sqlite_files(store)
        assert NAME.encode() not in everything
        assert EMAIL.encode() not in everything
        assert b"Counter clerk" not in everything
    finally:
        store.engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_purge_vacuums_the_tables_it_touched(postgres_store: Store) -> None:
    store = postgres_store
    store.create_invitation(store.add_candidate(NAME, EMAIL))
    result = purge_personal_data(store, 0, now=utcnow() + LATER)
    assert result.compaction is not None
    assert result.compaction.done
    deadline = time.monotonic() + 10
    with store.engine.connect() as connection:
        while True:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            vacuumed = dict(
                connection.execute(
                    text(
                        "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                        "WHERE relname IN ('candidates', 'invitations', 'audit_log')"
                    )
                ).all()
            )
            if all(vacuumed.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert vacuumed == {"candidates": True, "invitations": True, "audit_log": True}


def test_a_started_link_stops_working_after_its_candidate_is_purged(store: Store) -> None:
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    candidate = store.add_candidate(NAME, EMAIL)
    _, token = store.create_invitation(candidate)
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)

    result = purge_personal_data(store, 0, now=utcnow() + LATER)

    assert result.invitations_closed == 1
    with pytest.raises(InvitationError, match="expired"):
        delivery.open(token, client="198.51.100.7")
    assert store.load_session(session_id).status == "started"  # kept for calibration


def aged_entry(store: Store, action: str, target: str, days: float) -> None:
    with store.transaction() as db:
        db.add(AuditEntry(actor="anonymous", action=action, target=target))
        db.flush()
        db.execute(
            update(AuditEntry)
            .where(AuditEntry.target == target, AuditEntry.action == action)
            .values(at=utcnow() - dt.timedelta(days=days))
        )


def test_purge_deletes_audit_entries_past_the_retention_period(store: Store) -> None:
    aged_entry(store, "token.unknown", "203.0.113.9", days=200)  # an address
    aged_entry(store, "login.failed", "ada@example.org", days=200)  # a typed username
    aged_entry(store, "model.promote", "v1", days=400)  # model history: kept
    aged_entry(store, "token.unknown", "198.51.100.7", days=10)  # recent: kept
    preview = purge_personal_data(store, 30, audit_retention_days=180, dry_run=True)
    assert preview.audit_entries == 2
    assert len(store.audit_entries()) == 4

    done = purge_personal_data(store, 30, audit_retention_days=180)

    assert done.audit_entries == 2
    targets = {entry.target for entry in store.audit_entries()}
    assert "203.0.113.9" not in targets
    assert "ada@example.org" not in targets
    assert {"v1", "198.51.100.7"} <= targets
    with pytest.raises(PrivacyError, match="audit retention"):
        purge_personal_data(store, 30, audit_retention_days=float("inf"))


def test_rollback_finds_the_model_history_under_a_flood_of_audit_entries(
    store: Store,
) -> None:
    """Rollback used to read only the newest 10,000 audit entries."""
    bank = load_bank()
    model = synthetic_model_document(bank, n_norm=500)
    store.add_model_version(SYNTHETIC_LABEL, model, activate=True)
    store.audit("psy", "model.promote", SYNTHETIC_LABEL)
    promote(store, model, bank, "psy", "second version", label="v2", link=False)
    with store.transaction() as db:
        db.add_all(
            AuditEntry(
                actor="anonymous", action="token.unknown", target=f"10.0.{n // 250}.{n % 250}"
            )
            for n in range(12_000)
        )
    assert rollback(store, "psy", "history test") == SYNTHETIC_LABEL


def test_export_by_email_covers_every_record_of_the_person(store: Store) -> None:
    bank = load_bank()
    ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    first = store.add_candidate(NAME, EMAIL, "Counter clerk")
    _, token = store.create_invitation(first)
    session_id = delivery.start(delivery.open(token), "en")
    second = store.add_candidate("Zeb Q.", f"  {EMAIL.upper()} ", "Chat agent")  # invited again
    store.create_invitation(second)
    someone_else = store.add_candidate("Other person", "other@example.org")
    store.audit(EMAIL, "login.failed", EMAIL)  # the address typed as a username

    data = export_person(store, f" {EMAIL.title()}")

    ids = [record["candidate"]["id"] for record in data["candidates"]]
    assert ids == [first, second]
    assert someone_else not in str(data)
    assert data["candidates"][0]["sessions"][0]["id"] == session_id
    assert all("token_hash" not in i for r in data["candidates"] for i in r["invitations"])
    assert [e["action"] for e in data["audit_entries_naming_the_email"]] == ["login.failed"]
    exports = [e.target for e in store.audit_entries("privacy.export")]
    assert sorted(exports) == sorted([first, second])
    assert EMAIL not in {e.target for e in store.audit_entries("privacy.export")}
    with pytest.raises(PrivacyError, match="no candidate has this email address"):
        export_person(store, "nobody@example.org")


def test_the_audit_log_finds_entries_naming_a_key(store: Store) -> None:
    store.audit("a", "x", "k1")
    store.audit("a", "y", "k2")
    store.audit("a", "z", None)
    found = AuditLog(store).naming(["k2", "k1", ""])
    assert [entry.target for entry in found] == ["k1", "k2"]
