"""The demo administrator exists only in a demo database, once, with a must-change password."""

from __future__ import annotations

from assessment.access.accounts import add_user, authenticate
from assessment.access.demo_account import DEMO_ADMIN, ensure_demo_admin
from assessment.access.passwords import PasswordHashing
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store
from tests.assessment.access.conftest import PASSWORD


def test_the_demo_admin_is_created_once_and_never_reset(store: Store) -> None:
    store.add_candidate("Synthetic", synthetic=True)
    first = ensure_demo_admin(store)
    assert first.created
    assert first.password is not None
    account = StaffRepository(store).account(DEMO_ADMIN)
    assert account is not None
    assert account.demo
    assert account.must_change_password
    second = ensure_demo_admin(store)
    assert (second.created, second.password, second.refused) == (False, None, None)
    assert StaffRepository(store).account(DEMO_ADMIN) == account  # same hash: not reset
    assert authenticate(store, DEMO_ADMIN, first.password).must_change_password


def test_no_demo_admin_in_a_database_with_real_candidates_or_staff(
    store: Store, fast: PasswordHashing
) -> None:
    store.add_candidate("A real person", email="real@example.org")
    outcome = ensure_demo_admin(store)
    assert not outcome.created
    assert outcome.refused
    assert "demo database" in outcome.refused
    assert StaffRepository(store).accounts() == []


def test_no_demo_admin_next_to_a_real_administrator(store: Store, fast: PasswordHashing) -> None:
    add_user(store, "alice", PASSWORD, "admin", hashing=fast)
    assert ensure_demo_admin(store).refused
    assert [a.username for a in StaffRepository(store).accounts()] == ["alice"]
