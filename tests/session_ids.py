"""Fixed session ids for candidate-page tests, so the first item shown is not left to chance.

The adaptive engine's Sympson–Hetter lottery draws from the session id, which the store makes
with ``secrets``; a test that runs the candidate page would therefore see a random first item.
``tests/conftest.py`` replaces ``assessment.persistence.store.new_id`` with :func:`seeded_ids`
for every test (seeded by the test's name); a test that needs particular ids installs its own.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

CANDIDATE_SEEDS = range(20)
"""Fixed seeds for the ids, hence the Sympson–Hetter draws and the first item shown."""


def seeded_ids(seed: int) -> Callable[..., str]:
    """A stand-in for ``store.new_id`` that yields the same ids for the same seed."""
    counter = itertools.count()

    def new_id(prefix: str, n_bytes: int = 5) -> str:
        digest = hashlib.blake2b(f"{seed}:{next(counter)}".encode(), digest_size=n_bytes)
        return f"{prefix}{digest.hexdigest().upper()}"

    return new_id
