"""Checks of shares measured on simulated samples against the bound they should respect.

A share measured on a sample lies above its true value about half of the time, so a plain
``count / n <= bound`` fails at random whenever the true share is near the bound, and which
samples fail depends on the machine (item selection can tie differently). These checks ask
instead whether the count is consistent with a true share at most the bound.
"""

from __future__ import annotations

from scipy.stats import binom


def not_above(count: int, n: int, bound: float, alpha: float = 0.01) -> bool:
    """Whether ``count`` successes of ``n`` are consistent with a true share of at most
    ``bound``: the one-sided binomial test of share = ``bound`` does not reject at ``alpha``
    (divide ``alpha`` by the number of shares tested together)."""
    return bool(binom.sf(count - 1, n, bound) >= alpha)
