"""False alarms and power of the data-quality flags, and the table that chose
``RANDOM_LIKE_BELOW``, measured through the real engine.

Design
------
``n`` model-conforming and ``n`` random simulated candidates take each form of the test with
the synthetic model (the one ``sjt demo`` installs) at a human answer pace
(``assessment.delivery.respondents.simulated_quality_flags``). For each candidate threshold
``t`` of the ``random_like`` rule (log Bayes factor of the model against random picking below
``t``) it prints, per form:

- genuine, ``random_like``: model-conforming candidates the rule alone flags;
- genuine, any flag: model-conforming candidates with any flag (the false-alarm rate, budget
  10%, ``QualityPolicy``);
- random, no flag: random responders who escape every flag (at most 5% wanted).

The other flags do not depend on ``t``, so one run per form gives every column. Each figure is
a binomial share of ``n``: its standard error is printed beside it.

Run ``python -m benchmarks.quality_rates [n] [seed]`` (default 1000 per group, seed 2026;
about four minutes per thousand candidates and form on one core).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assessment.delivery.quality import QualityFlags
from assessment.delivery.respondents import simulated_quality_flags
from assessment.vocabulary import RANDOM_LIKE_BELOW, Form, random_like
from items import load_bank
from items.scoring_map import synthetic_model

THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("−1", -1.0),
    ("0", 0.0),
    ("log 2", math.log(2)),
    ("log 3", math.log(3)),
    ("log 10", math.log(10)),
)
"""Candidate thresholds of the ``random_like`` rule, as the table labels them."""


@dataclass(frozen=True)
class FlagRates:
    """Shares of one form's simulated candidates at one ``random_like`` threshold."""

    genuine_random_like: float
    genuine_any_flag: float
    random_no_flag: float
    n: int

    def se(self, share: float) -> float:
        """Binomial standard error of a share of ``n``."""
        return math.sqrt(share * (1.0 - share) / self.n)


def _flagged(flags: QualityFlags, threshold: float) -> bool:
    """Any flag raised if ``random_like`` fired below ``threshold``."""
    others = any(key != "random_like" for key in flags.raised)
    return others or random_like(flags.random_log_odds, threshold)


def rates_at(
    genuine: Sequence[QualityFlags], random: Sequence[QualityFlags], threshold: float
) -> FlagRates:
    """The three shares if ``random_like`` fired below ``threshold``."""
    return FlagRates(
        genuine_random_like=float(
            np.mean([random_like(f.random_log_odds, threshold) for f in genuine])
        ),
        genuine_any_flag=float(np.mean([_flagged(f, threshold) for f in genuine])),
        random_no_flag=float(np.mean([not _flagged(f, threshold) for f in random])),
        n=len(genuine),
    )


def measure(form: Form, n: int, seed: int) -> dict[str, FlagRates]:
    """Rates of ``form`` at every threshold of ``THRESHOLDS`` (seeds ``seed``, ``seed + 1``)."""
    bank = load_bank()
    model = synthetic_model(bank)
    genuine = simulated_quality_flags(bank, model, form, n, seed, random=False)
    random = simulated_quality_flags(bank, model, form, n, seed + 1, random=True)
    return {label: rates_at(genuine, random, t) for label, t in THRESHOLDS}


def main(argv: list[str]) -> None:
    """Print the table (``python -m benchmarks.quality_rates [n] [seed]``)."""
    n = int(argv[0]) if argv else 1000
    seed = int(argv[1]) if len(argv) > 1 else 2026
    forms: tuple[Form, ...] = ("adaptive", "fixed")
    found = {form: measure(form, n, seed) for form in forms}
    print(f"{n} genuine and {n} random simulated candidates per form, seed {seed}; percent (SE)")
    print(f"current threshold: RANDOM_LIKE_BELOW = {RANDOM_LIKE_BELOW}")
    rows = (
        ("genuine: random_like", "genuine_random_like"),
        ("genuine: any flag", "genuine_any_flag"),
        ("random: no flag at all", "random_no_flag"),
    )
    for form in forms:
        print(f"\n{form}")
        print(f"{'rate':<24}" + "".join(f"{label:>14}" for label, _ in THRESHOLDS))
        for title, field in rows:
            cells = []
            for label, _ in THRESHOLDS:
                rates = found[form][label]
                share = getattr(rates, field)
                cells.append(f"{100 * share:5.1f} ({100 * rates.se(share):.1f})")
            print(f"{title:<24}" + "".join(f"{cell:>14}" for cell in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
