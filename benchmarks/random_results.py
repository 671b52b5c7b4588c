"""Overall results of random and of model-conforming answering, through the real engine.

Design
------
Simulated candidates take the test through the delivery engine of the synthetic model (the one
``sjt demo`` installs) with human-pace answer times (20 s an item, so the speed flag never
fires): *random* ones pick options uniformly at random, *genuine* ones answer from the model
(true thetas drawn with its latent correlation, ``assessment.delivery.simulation``). Each
finished session gets the data-quality flags delivery computes and the overall result of the
profile (``reports.profile.RoleProfile.summarise_values``: the same rule as the PDF, the
Candidates overview and the scores export), referred to the synthetic model's norm group of
that form. Reported:

- the share of random responders whose result is neither "review" nor "not_a_match" (a result
  that could read as usable), now and if weak evidence (log Bayes factor below
  ``MIN_EVIDENCE_LOG_ODDS``, the profile's caution) made the result "review";
- the share of genuine candidates, unflagged, with that weak evidence: the false-alarm cost
  such a rule would add to the flags' own.

Measured (adaptive, 150 each, seed 1): random 3.3% usable-looking now (5 "borderline"), 0% with
the rule; genuine 28% would be sent to review by it (40 of them "borderline" now, 2 "not a
match"), so the rule is not applied: the profile and the overview show the caution instead.

Run ``python -m benchmarks.random_results [n] [seed] [form]`` (default 200 per group, seed 1,
adaptive).
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assessment.delivery.engine import AdaptiveEngine, ItemPool
from assessment.delivery.exposure import delivered_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.delivery.quality import quality_flags
from assessment.delivery.respondents import finished_sessions
from assessment.delivery.simulation import draw_answers
from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from assessment.vocabulary import Form
from items import COMPETENCIES, load_bank
from reports.profile import RoleProfile, norm_group_reference


@dataclass(frozen=True)
class RandomResults:
    """Overall results of ``n`` random and ``n`` genuine simulated candidates under the
    profile's rule, and how many of them carry the weak-evidence caution
    (``OverallSummary.low_evidence``) without a data-quality flag, by result."""

    random: Counter[str]
    genuine: Counter[str]
    random_weak: Counter[str]
    genuine_weak: Counter[str]
    genuine_flagged: int
    n: int

    @property
    def random_usable_share(self) -> float:
        """Random responders with a result other than "review" or "not_a_match"."""
        return _usable(self.random) / self.n

    @property
    def random_usable_share_if_weak_were_review(self) -> float:
        """The same share if weak evidence alone made the result "review"."""
        return (_usable(self.random) - _usable(self.random_weak)) / self.n

    @property
    def genuine_weak_share(self) -> float:
        """Genuine candidates, unflagged, with weak evidence: those a "review on weak
        evidence" rule would send to review (its false-alarm cost)."""
        return sum(self.genuine_weak.values()) / self.n


def _usable(counts: Counter[str]) -> int:
    return sum(v for k, v in counts.items() if k not in ("review", "not_a_match"))


def measure(n: int = 200, seed: int = 1, form: Form = "adaptive") -> RandomResults:
    """Simulate ``n`` random and ``n`` genuine candidates on ``form`` (seeded)."""
    bank = load_bank()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'sjt.db'}")
        ensure_active_model(store, bank)
        stored = store.active_model_document()
    assert stored is not None  # ensure_active_model installed it
    model = stored.parameters
    found = stored.document.form_reference(form, COMPETENCIES)
    reference = norm_group_reference(found.tables, found.correlation)
    policy = CATPolicy(form=form)
    pool = ItemPool.build(bank, model, policy)
    engine = AdaptiveEngine(pool, policy, delivered_exposure_parameters(policy))
    order = [pool.competencies.index(c) for c in COMPETENCIES]
    role = RoleProfile()
    rng = np.random.default_rng(seed)
    answers = draw_answers(pool, model, n, rng, None)
    counts: dict[str, Counter[str]] = {"random": Counter(), "genuine": Counter()}
    weak: dict[str, Counter[str]] = {"random": Counter(), "genuine": Counter()}
    flagged = 0
    for group in ("random", "genuine"):
        given = None if group == "random" else answers
        for session in finished_sessions(engine, bank, n, rng, f"rr{seed}-{group}", given):
            final = engine.final_estimate(session)
            flags = quality_flags(bank, model, session.responses, incomplete=False)
            theta = {c: float(final.theta[c]) for c in COMPETENCIES}
            se = {c: float(final.se[c]) for c in COMPETENCIES}
            t = {c: float(found.tables[c].t_score(np.asarray(theta[c]))) for c in COMPETENCIES}
            covariance = np.asarray(final.covariance)[np.ix_(order, order)]
            summary = role.summarise_values(
                theta, se, t, covariance, reference, flags.raised, evidence=flags.random_log_odds
            )
            counts[group][summary.band] += 1
            if summary.low_evidence and summary.band != "review":
                weak[group][summary.band] += 1
            flagged += group == "genuine" and bool(flags.raised)
    return RandomResults(
        counts["random"], counts["genuine"], weak["random"], weak["genuine"], flagged, n
    )


def main(argv: list[str]) -> None:
    """Print the measured shares (``python -m benchmarks.random_results [n] [seed] [form]``)."""
    n = int(argv[0]) if argv else 200
    seed = int(argv[1]) if len(argv) > 1 else 1
    form: Form = "fixed" if len(argv) > 2 and argv[2] == "fixed" else "adaptive"
    found = measure(n, seed, form)
    print(f"{form}, {n} random and {n} genuine simulated candidates, seed {seed}")
    print(
        f"random, results:  {dict(found.random)}; of them weak evidence, unflagged: "
        f"{dict(found.random_weak)}"
    )
    print(
        f"genuine, results: {dict(found.genuine)}; of them weak evidence, unflagged: "
        f"{dict(found.genuine_weak)}; flagged {found.genuine_flagged / n:.1%}"
    )
    print(
        f"random with a result other than review or not a match: "
        f"{found.random_usable_share:.1%} now, "
        f"{found.random_usable_share_if_weak_were_review:.1%} if weak evidence meant review"
    )
    print(f"genuine that weak evidence as review would add: {found.genuine_weak_share:.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
