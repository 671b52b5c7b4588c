"""Progressive sign-in delays per client and per typed username: slowed down, never locked out.

After ``free`` failures within ``window`` a key must wait before its next attempt is checked:
``base``, then twice as long after every further failure, up to ``cap``. The waits grow fast
enough to make password guessing slow (at the cap one guess per ``cap`` per key) and stay short
enough that an outsider failing on purpose cannot keep a staff member out: attempts from a
browser that has signed in to the account before skip both delays altogether (clients behind one
proxy, or without a known address, share a client key), and a correct password clears the
account's delay.

Keys are hashed before they reach the database, and a username that does not exist gets its own
key exactly like a real one, so the throttle reveals nothing about which accounts exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free and how the wait grows after them.

    Parameters
    ----------
    free : int
        Failures within ``window`` that cost nothing.
    base : datetime.timedelta
        The wait after the first failure beyond ``free``.
    cap : datetime.timedelta
        The longest wait.
    window : datetime.timedelta
        A key without failures for this long starts counting afresh.
    """

    free: int
    base: dt.timedelta
    cap: dt.timedelta
    window: dt.timedelta = dt.timedelta(minutes=15)

    def delay(self, failures: int) -> dt.timedelta:
        """The wait after ``failures`` failures in a row."""
        beyond = failures - self.free
        if beyond <= 0:
            return dt.timedelta(0)
        return min(self.base * 2 ** min(beyond - 1, 30), self.cap)


ACCOUNT_THROTTLE = ThrottlePolicy(
    free=3, base=dt.timedelta(seconds=2), cap=dt.timedelta(seconds=60)
)
CLIENT_THROTTLE = ThrottlePolicy(
    free=10, base=dt.timedelta(seconds=2), cap=dt.timedelta(seconds=60)
)


def client_key(client: str | None) -> str:
    """Throttle key of a client address (all clients without a known address share one)."""
    return _hashed("client", client or "unknown")


def account_key(username: str) -> str:
    """Throttle key of a typed username, whether or not such an account exists."""
    return _hashed("account", username.strip().casefold())


def _hashed(kind: str, value: str) -> str:
    data = f"{kind}\x00{value}".encode("utf-8", errors="surrogatepass")
    return hashlib.sha256(data).hexdigest()
