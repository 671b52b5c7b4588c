"""Data-quality flags of a completed session, computed on the server.

Flags tell a recruiter when a profile should be read with caution; flagged sessions are also
left out of calibration by default. None of them is proof of bad faith.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.session_values import Response
from assessment.vocabulary import QUALITY_FLAGS, RANDOM_LIKE_BELOW
from items import ItemBank
from items.scoring_map import bank_item_id, scored_responses
from scoring import MISSING, ModelParameters, ResponseMatrix
from scoring.fit import person_fit
from scoring.multivariate import GridLikelihood

FLAG_KEYS: tuple[str, ...] = QUALITY_FLAGS


@dataclass(frozen=True)
class QualityPolicy:
    """Thresholds of the data-quality flags.

    Rates with these defaults and the synthetic model, 1,000 simulated candidates per group
    and form (``python -m benchmarks.quality_rates 1000 2026``; checked on new samples by
    ``tests/assessment/delivery/test_quality_rates.py``): model-conforming candidates are
    flagged 8.7% of the time on either form (``random_like`` alone 6.3% adaptive, 6.9% fixed);
    random responders answering at human speed escape every flag 3.5% / 3.9% of the time, and
    at bot speed never (too fast). The false alarms stay within a budget of 10%; that budget
    chose ``random_like_below`` (``assessment.vocabulary.RANDOM_LIKE_BELOW``, with the table).
    """

    fast_ms: int = 2000
    """An answer faster than this is too fast to have read the scenario."""
    max_fast_share: float = 0.2
    """Flag when more than this share of answers is too fast."""
    max_same_position_run: int = 8
    """Flag when this many consecutive answers pick the option in the same position."""
    misfit_z: float = -1.645
    """Flag when the combined lz* over competencies is below this (one-sided 5 %)."""
    min_items_for_misfit: int = 4
    random_log_odds: float = -2.0
    """Flag as misfit when the log Bayes factor of the model against picking at random is
    below this: the answers are at least e² ≈ 7 times more probable under random picks than
    under the model."""
    random_like_below: float = RANDOM_LIKE_BELOW
    """Flag ``random_like`` when that log Bayes factor is below this: the answers cannot be
    told apart from random picking (``assessment.vocabulary.RANDOM_LIKE_BELOW``)."""


@dataclass(frozen=True)
class QualityFlags:
    """The flags of one session with the statistics behind them.

    ``person_misfit`` is raised by a low combined lz* or by answers more probable under random
    picking than under the model (``random_log_odds``, the log Bayes factor of the model
    against uniform random picks); ``random_like`` when that evidence does not favour the
    model over random picking by ``QualityPolicy.random_like_below``.
    """

    too_fast: bool
    same_position_run: bool
    person_misfit: bool
    incomplete: bool
    fast_share: float
    longest_run: int
    lz_star: float | None
    random_log_odds: float | None = None
    random_like: bool = False

    def stored(self) -> dict[str, object]:
        """The flags as a session stores them: every statistic plus the ``raised`` keys."""
        return {**asdict(self), "raised": list(self.raised)}

    @property
    def raised(self) -> tuple[str, ...]:
        """Keys of the flags that are set."""
        return tuple(key for key in FLAG_KEYS if getattr(self, key))


def longest_same_position_run(responses: Sequence[Response]) -> int:
    """Length of the longest run of consecutive answers whose (most) pick is the same letter."""
    longest = current = 0
    previous = None
    for response in responses:
        current = current + 1 if response.most == previous else 1
        previous = response.most
        longest = max(longest, current)
    return longest


def response_matrix(
    bank: ItemBank, model: ModelParameters, responses: Sequence[Response]
) -> ResponseMatrix:
    """One candidate's answers as a 1 × n_items matrix over the model's items.

    An answer is one category of the item's own column (a ``best`` item's pick, a joint
    most/least item's pair ``"<most>><least>"``) or, for an item the model scores as parts
    (an older model's ``.most`` and ``.least``), one pick per part.
    """
    column = {spec.item_id: j for j, spec in enumerate(model.specs)}
    row = np.full((1, len(model.specs)), MISSING, dtype=np.int64)
    for response in responses:
        item = bank[response.item_id]
        picks = scored_responses(item, response.most, response.least)  # checks the answer
        own = column.get(item.id)
        if own is not None:
            codes = [str(code) for code in model.specs[own].codes]
            row[0, own] = codes.index(item.answer_code(response.most, response.least))
            continue
        for scored_id, option_id in picks.items():
            j = column.get(scored_id)
            if j is not None:
                row[0, j] = model.specs[j].codes.index(option_id)
    return ResponseMatrix(row, model.specs, model.dimensions)


@dataclass(frozen=True)
class ModelFitVerdict:
    """The data-quality flags that depend on the scoring model, for one respondent, with the
    statistics behind them (the timing and position flags need a delivered session; these
    need only the answers, so a response file can be judged too)."""

    lz_star: float | None
    random_log_odds: float | None
    person_misfit: bool
    random_like: bool

    @property
    def raised(self) -> tuple[str, ...]:
        """Keys of the flags that are set."""
        return tuple(key for key in ("person_misfit", "random_like") if getattr(self, key))


NO_ANSWERS_VERDICT = ModelFitVerdict(None, None, person_misfit=False, random_like=False)
"""The verdict on a respondent without answers: nothing to judge, nothing flagged."""


def model_fit_verdicts(
    model: ModelParameters,
    data: ResponseMatrix,
    n_answers: Sequence[int],
    policy: QualityPolicy | None = None,
) -> list[ModelFitVerdict]:
    """Person misfit (combined lz* or evidence for random picking) and ``random_like`` for
    every row of ``data`` under ``model``; ``n_answers`` is each respondent's number of
    answers (the random-picking evidence needs ``policy.min_items_for_misfit`` of them)."""
    policy = policy or QualityPolicy()
    fit = person_fit(model, data)
    log_odds_rows = random_log_odds_rows(model, data)
    verdicts = []
    for n in range(data.n_candidates):
        usable = (fit.n_answered[n] >= policy.min_items_for_misfit) & np.isfinite(fit.lz_star[n])
        lz_combined: float | None = None
        if usable.any():
            values = fit.lz_star[n][usable]
            lz_combined = float(values.sum() / np.sqrt(values.size))
        log_odds: float | None = None
        if n_answers[n] >= policy.min_items_for_misfit:
            log_odds = float(log_odds_rows[n])
        misfit = (lz_combined is not None and lz_combined < policy.misfit_z) or (
            log_odds is not None and log_odds < policy.random_log_odds
        )
        verdicts.append(
            ModelFitVerdict(
                lz_star=lz_combined,
                random_log_odds=log_odds,
                person_misfit=misfit,
                random_like=log_odds is not None and not log_odds >= policy.random_like_below,
            )
        )
    return verdicts


def answer_counts(data: ResponseMatrix) -> NDArray[np.int64]:
    """Answers of each row of a data file as delivery counts a session's (``len(responses)``,
    one per bank item): the ``.most`` and ``.least`` columns of a most/least item are one
    answer."""
    items = {bank_item_id(spec.item_id): None for spec in data.items}
    index = {item_id: k for k, item_id in enumerate(items)}
    answered = np.zeros((data.n_candidates, len(index)), dtype=bool)
    for j, spec in enumerate(data.items):
        answered[:, index[bank_item_id(spec.item_id)]] |= data.responses[:, j] != MISSING
    return answered.sum(axis=1).astype(np.int64)


def quality_flags(
    bank: ItemBank,
    model: ModelParameters,
    responses: Sequence[Response],
    incomplete: bool,
    policy: QualityPolicy | None = None,
) -> QualityFlags:
    """Compute every flag for one session."""
    policy = policy or QualityPolicy()
    verdict = NO_ANSWERS_VERDICT
    if responses:
        data = response_matrix(bank, model, responses)
        verdict = model_fit_verdicts(model, data, [len(responses)], policy)[0]
    return session_flags(responses, verdict, incomplete, policy)


def session_flags(
    responses: Sequence[Response],
    verdict: ModelFitVerdict,
    incomplete: bool,
    policy: QualityPolicy | None = None,
) -> QualityFlags:
    """Every flag of one session, given the model's ``verdict`` on its answers (judged for
    many sessions at once by ``model_fit_verdicts`` when they are rescored): the timing and
    position flags come from ``responses`` alone."""
    policy = policy or QualityPolicy()
    times = np.array([r.response_ms for r in responses], dtype=float)
    fast_share = float(np.mean(times < policy.fast_ms)) if times.size else 0.0
    run = longest_same_position_run(responses)
    return QualityFlags(
        too_fast=fast_share > policy.max_fast_share,
        same_position_run=run >= policy.max_same_position_run,
        person_misfit=verdict.person_misfit,
        incomplete=incomplete,
        fast_share=fast_share,
        longest_run=run,
        lz_star=verdict.lz_star,
        random_log_odds=verdict.random_log_odds,
        random_like=verdict.random_like,
    )


def random_log_odds(model: ModelParameters, data: ResponseMatrix) -> float:
    """Log Bayes factor of the model against uniform random picks for one candidate's answers.

    ``log ∫ L(x | θ) φ(θ) dθ − Σ_j log(1 / C_j)``, with the marginal likelihood of each
    competency under its N(0, 1) prior (the competencies taken as independent here) and
    ``C_j`` the number of possible answers of item j (4 picks, or 12 ordered most/least pairs).
    Below 0 the answers are more probable under random picking than under the model: the
    most powerful test of model-conforming against random answering (Neyman–Pearson), a
    person-fit statistic against a stated alternative rather than against "anything else"
    like lz* (Drasgow, Levine & McLaughlin, 1991; Meijer & Sijtsma, 2001).

    References
    ----------
    Drasgow, F., Levine, M. V., & McLaughlin, M. E. (1991). Appropriateness measurement for
    some multidimensional test batteries. Applied Psychological Measurement, 15, 171–191.
    Meijer, R. R., & Sijtsma, K. (2001). Methodology review: Evaluating person fit. Applied
    Psychological Measurement, 25, 107–135.
    """
    return float(random_log_odds_rows(model, data)[0])


def random_log_odds_rows(model: ModelParameters, data: ResponseMatrix) -> NDArray[np.float64]:
    """:func:`random_log_odds` of every row of ``data`` (one value per respondent)."""
    grid = np.linspace(-6.0, 6.0, 61)
    log_weights = -0.5 * grid**2
    log_weights -= np.log(np.sum(np.exp(log_weights)))
    loglik = GridLikelihood.build(model, data, grid).rows(slice(None))  # (N, D, G)
    peak = loglik.max(axis=2, keepdims=True)
    marginal = (peak[..., 0] + np.log(np.sum(np.exp(loglik - peak + log_weights), axis=2))).sum(
        axis=1
    )
    n_categories = np.array([spec.n_categories for spec in model.specs], dtype=float)
    answered = data.responses != MISSING
    return np.asarray(marginal + (answered * np.log(n_categories)).sum(axis=1), dtype=np.float64)
