"""How long to hold back the answer to an unknown invitation link.

Guessing a 192-bit token is hopeless, so the throttle is about load and noise, and it must
never become a lever against real candidates: a valid link is answered at once, whatever the
address it comes from has sent before (several candidates share one address behind NAT or a
proxy). Only *unknown* links are slowed, progressively:

- per client: the first ``free_per_client`` unknown links within ``window`` are answered at
  once, each further one waits twice as long as the one before (``base_delay_s``, doubling, up
  to ``max_delay_s``);
- overall: past ``free_overall`` unknown links within ``window`` from everyone together, every
  unknown link waits, doubling with each further ``overall_step`` links, so spreading guesses
  over many addresses (or rotating forged ``X-Forwarded-For`` headers) does not help.

At most ``max_waiting`` requests wait at the same time; the others are told at once that the
link cannot be used, so waiting never ties up more than that many server threads.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict, Field


class TokenThrottle(BaseModel):
    """Settings of the throttle of unknown invitation links (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window: dt.timedelta = dt.timedelta(minutes=15)
    free_per_client: int = Field(default=10, ge=0)
    free_overall: int = Field(default=500, ge=0)
    overall_step: int = Field(default=100, ge=1)
    base_delay_s: float = Field(default=0.5, gt=0)
    max_delay_s: float = Field(default=8.0, gt=0)
    max_waiting: int = Field(default=16, ge=0)

    @property
    def _doublings(self) -> int:
        """Doublings from the base delay to the largest one."""
        return max(0, math.ceil(math.log2(self.max_delay_s / self.base_delay_s)))

    @property
    def client_cap(self) -> int:
        """Counting a client's unknown links beyond this changes nothing."""
        return self.free_per_client + self._doublings + 1

    @property
    def overall_cap(self) -> int:
        """Counting everyone's unknown links beyond this changes nothing."""
        return self.free_overall + self.overall_step * (self._doublings + 1)

    def delay_s(self, client_failures: int, overall_failures: int) -> float:
        """Seconds to wait before answering an unknown link.

        Parameters
        ----------
        client_failures
            Unknown links from this client within the window, this one included.
        overall_failures
            Unknown links from everyone within the window, this one included.
        """
        delays = [0.0]
        excess = client_failures - self.free_per_client
        if excess > 0:
            delays.append(self.base_delay_s * 2.0 ** min(excess - 1, self._doublings))
        excess = overall_failures - self.free_overall
        if excess > 0:
            steps = min((excess - 1) // self.overall_step, self._doublings)
            delays.append(self.base_delay_s * 2.0**steps)
        return min(max(delays), self.max_delay_s)


__all__ = ["TokenThrottle"]
