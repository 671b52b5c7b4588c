"""The demo administrator: only in a demo database, created once, password shown once.

A database counts as a demo database while it holds no real (non-synthetic) candidates and no
staff account other than the demo one. ``ensure_demo_admin`` creates ``demo-admin`` there with
a random password that must be changed at the first sign-in, and never touches an existing
account: a second ``sjt demo`` (``make run`` on an existing database) neither resets nor shows
the password again. A production database gets no default account at all; ``sjt user add``
creates the first administrator.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from assessment.access.accounts import add_user
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store

DEMO_ADMIN = "demo-admin"
DEMO_PASSWORD_BYTES = 12


@dataclass(frozen=True)
class DemoAdmin:
    """What ``ensure_demo_admin`` did: ``password`` is set only when the account was created."""

    created: bool
    password: str | None
    refused: str | None = None


def demo_database_problem(store: Store) -> str | None:
    """Why this database is not a demo database, or None."""
    real = store.count_candidates(synthetic=False)
    others = [a for a in StaffRepository(store).accounts() if not a.demo]
    if real or others:
        return (
            f"this database holds {real} real candidate(s) and {len(others)} staff account(s); "
            "the demo account is created only in a demo database"
        )
    return None


def ensure_demo_admin(store: Store) -> DemoAdmin:
    """Create ``demo-admin`` in a demo database unless it exists; never reset it."""
    if StaffRepository(store).account(DEMO_ADMIN) is not None:
        return DemoAdmin(created=False, password=None)
    if problem := demo_database_problem(store):
        return DemoAdmin(created=False, password=None, refused=problem)
    password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    add_user(
        store, DEMO_ADMIN, password, "admin", actor="demo", must_change_password=True, demo=True
    )
    return DemoAdmin(created=True, password=password)
