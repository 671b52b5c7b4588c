"""Password hashing with argon2id, at most a few hashes at a time.

Each argon2 hash with ``argon2-cffi``'s defaults takes 64 MiB and a few hundred milliseconds, so
24 concurrent anonymous sign-in attempts would add 1.5 GiB and seconds of latency for everyone.
``PasswordHashing`` runs at most ``concurrency`` hashes at once; the others wait their turn for
up to ``wait_seconds`` and are then refused (``HashingBusyError``), which the sign-in page shows
as its one generic error.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
HASH_CONCURRENCY = 2
HASH_WAIT_SECONDS = 10.0
UNUSABLE_HASH = "!"
"""Stored for accounts that sign in only through single sign-on: no password matches it."""


class HashingBusyError(RuntimeError):
    """Too many password hashes are running; the attempt was not checked."""


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password must have at most {MAX_PASSWORD_LENGTH} characters"
    return None


class PasswordHashing:
    """argon2id hashing and verification with bounded concurrency.

    Parameters
    ----------
    concurrency : int
        How many hashes may run at the same time in this process.
    wait_seconds : float
        How long an attempt waits for a free slot before ``HashingBusyError``.
    hasher : argon2.PasswordHasher or None
        The argon2 settings (``argon2-cffi``'s defaults: 64 MiB, 3 passes, 4 lanes).
    """

    def __init__(
        self,
        concurrency: int = HASH_CONCURRENCY,
        wait_seconds: float = HASH_WAIT_SECONDS,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self._hasher = hasher or PasswordHasher()
        self._slots = threading.BoundedSemaphore(concurrency)
        # Verified against when an account does not exist or cannot use a password, so that the
        # time taken does not reveal which usernames exist.
        self._dummy = self._hasher.hash("not-a-real-password-but-same-cost")

    def _slot(self) -> threading.BoundedSemaphore:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise HashingBusyError("too many sign-in attempts are being checked")
        return self._slots

    def hash(self, password: str) -> str:
        slots = self._slot()
        try:
            return self._hasher.hash(password)
        finally:
            slots.release()

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` or an unusable hash costs the same and fails."""
        usable = password_hash is not None and password_hash.startswith("$argon2")
        slots = self._slot()
        try:
            try:
                matched = self._hasher.verify(
                    password_hash if usable and password_hash else self._dummy, password
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
            return matched and usable
        finally:
            slots.release()

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


DEFAULT_HASHING = PasswordHashing()
"""The process's hashing slots, shared by every sign-in page and the command line."""
