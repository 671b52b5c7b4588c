"""Progressive sign-in delays: slowed down, never locked out, and never by someone else's failures.

After ``free`` failures within ``window`` a key must wait before its next attempt is checked:
``base``, then twice as long after every further failure, up to ``cap``. Three keys count
failures (attempts refused during a wait are not checked and not counted):

* the client (its address): one address guessing many usernames;
* the typed username *from that client*: one address guessing one account's password. Failures
  from one address therefore never slow down the owner signing in from another one;
* the typed username from every client together, with a much higher threshold: a guesser
  spread over many addresses. This is the one key others can push for an account; it is the
  documented residual risk (docs/security.md section 3).

A browser that has signed in to the account before (a known device) skips all three delays,
so neither its address's nor anyone's failures can keep the owner out of a browser they used.
Keys are hashed before they reach the database, and a username that does not exist gets its
keys exactly like a real one, so the throttle reveals nothing about which accounts exist.
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
"""Per typed username from one client."""
ACCOUNT_ALL_CLIENTS_THROTTLE = ThrottlePolicy(
    free=30, base=dt.timedelta(seconds=2), cap=dt.timedelta(seconds=60)
)
"""Per typed username from all clients together (a guesser with many addresses)."""
CLIENT_THROTTLE = ThrottlePolicy(
    free=10, base=dt.timedelta(seconds=2), cap=dt.timedelta(seconds=60)
)


def client_key(client: str | None) -> str:
    """Throttle key of a client address (all clients without a known address share one)."""
    return _hashed("client", client or "unknown")


def account_key(username: str, client: str | None) -> str:
    """Throttle key of a typed username from one client, whether or not the account exists."""
    return _hashed("account", f"{_typed(username)}\x00{client or 'unknown'}")


def account_all_clients_key(username: str) -> str:
    """Throttle key of a typed username from every client together."""
    return _hashed("account-all-clients", _typed(username))


def _typed(username: str) -> str:
    return username.strip().casefold()


def _hashed(kind: str, value: str) -> str:
    data = f"{kind}\x00{value}".encode("utf-8", errors="surrogatepass")
    return hashlib.sha256(data).hexdigest()
