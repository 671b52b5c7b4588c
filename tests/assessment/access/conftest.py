"""Fixtures of the staff-access tests: cheap argon2 settings and a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from assessment.access.passwords import PasswordHashing

PASSWORD = "correct-horse-battery"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fast() -> PasswordHashing:
    """argon2id with tiny costs, so tests hash quickly (production uses the defaults)."""
    return PasswordHashing(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
