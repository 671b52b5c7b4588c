"""Adverse impact at a cut score: selection rates, impact ratios and the four-fifths rule."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from scoring.arrays import BoolArray
from scoring.errors import ScoringError

SMALL_GROUP = 30
FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class GroupImpact:
    """Selection outcome of one group.

    Attributes
    ----------
    group : str
    n, selected : int
    rate : float
        selected / n.
    impact_ratio : float
        This group's rate divided by the highest group rate.
    below_four_fifths : bool
        ``impact_ratio < 0.8`` (the Uniform Guidelines' rule of thumb).
    p_value : float
        Fisher's exact test of this group's rate against the highest-rate group (NaN for that
        group itself).
    small : bool
        Fewer than 30 members, or an expected count below 5: ratios are unstable.
    """

    group: str
    n: int
    selected: int
    rate: float
    impact_ratio: float
    below_four_fifths: bool
    p_value: float
    small: bool


def adverse_impact(
    groups: Sequence[str] | NDArray[np.str_], selected: Sequence[bool] | BoolArray
) -> list[GroupImpact]:
    """Impact ratio of every group relative to the group with the highest selection rate.

    References
    ----------
    Equal Employment Opportunity Commission et al. (1978). Uniform Guidelines on Employee
    Selection Procedures, 29 CFR 1607.4(D).
    Morris, S. B., & Lobsenz, R. E. (2000). Significance tests and confidence intervals for the
    adverse impact ratio. Personnel Psychology, 53, 89–111.
    """
    labels = np.asarray(groups, dtype=str)
    chosen = np.asarray(selected, dtype=bool)
    if labels.shape != chosen.shape or labels.ndim != 1:
        raise ScoringError("groups and selected must be 1-D and of the same length")
    names = sorted(set(labels.tolist()))
    if len(names) < 2:
        raise ScoringError("adverse impact needs at least two groups")
    counts = {
        name: (int(np.sum(labels == name)), int(np.sum(chosen[labels == name]))) for name in names
    }
    rates = {name: s / n for name, (n, s) in counts.items()}
    top = max(names, key=lambda name: (rates[name], counts[name][0]))
    n_top, s_top = counts[top]
    overall = chosen.mean()
    out = []
    for name in names:
        n, s = counts[name]
        ratio = rates[name] / rates[top] if rates[top] > 0 else math.nan
        if name == top:
            p_value = math.nan
        else:
            table = [[s, n - s], [s_top, n_top - s_top]]
            p_value = float(stats.fisher_exact(table).pvalue)
        expected_small = min(n * overall, n * (1 - overall)) < 5
        out.append(
            GroupImpact(
                group=name,
                n=n,
                selected=s,
                rate=rates[name],
                impact_ratio=ratio,
                below_four_fifths=bool(ratio < FOUR_FIFTHS) if math.isfinite(ratio) else False,
                p_value=p_value,
                small=n < SMALL_GROUP or expected_small,
            )
        )
    return out
