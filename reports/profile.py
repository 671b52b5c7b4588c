"""The candidate profile as a view model: plain, immutable values computed from scores.

Nothing here knows about reportlab. ``build_profile`` turns theta/SE per competency, a norm
table per competency, reliabilities and a ``RoleProfile`` into a ``CandidateProfile`` whose
every number (T-scores, intervals, percentiles, bands, the overall summary) is computed, never
typed in. The story and the PDF only print these values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np

from assessment.vocabulary import (
    BAND_HIGH_ABOVE,
    BAND_LOW_BELOW,
    Form,
    Language,
    form_problem,
    language_problem,
)
from items.models import COMPETENCIES
from reports.errors import ReportError
from scoring.norms import NormTable

Band = Literal["low", "typical", "high"]
OverallBand = Literal["recommended", "with_care", "not_a_match"]
QualityFlag = Literal["too_fast", "same_position_run", "person_misfit", "incomplete"]

QUALITY_FLAGS: tuple[str, ...] = get_args(QualityFlag)
"""Known data-quality flag keys, in the order reports list them."""
Z90 = 1.645
"""Standard-normal quantile of a two-sided 90% interval, as stated in the technical note."""


def _finite(value: float, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ReportError(f"{what} must be a finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class BandCuts:
    """T-score cut scores for the competency bands: low below ``low_below``, high above
    ``high_above``, typical in between (both cut scores included in typical)."""

    low_below: float = BAND_LOW_BELOW
    high_above: float = BAND_HIGH_ABOVE

    def __post_init__(self) -> None:
        if not _finite(self.low_below, "low_below") < _finite(self.high_above, "high_above"):
            raise ReportError("band cut scores need low_below < high_above")

    def band(self, t_score: float) -> Band:
        """The band of a T-score."""
        if t_score < self.low_below:
            return "low"
        if t_score > self.high_above:
            return "high"
        return "typical"


@dataclass(frozen=True)
class RoleProfile:
    """How the five competencies combine into the overall summary for one role.

    Attributes
    ----------
    name : str
        Name of the role profile, printed in the summary (e.g. "Contact-centre agent").
    weights : mapping of competency id → float
        Non-negative weights; competencies left out weigh 0. At least one must be positive.
    recommend_at : float
        Weighted mean T at or above which the summary is "recommended" …
    care_at : float
        … and at or above which it is "with_care"; below it, "not_a_match".
    floor : float
        A weighted competency with T below ``floor`` caps the summary at "with_care".

    Notes
    -----
    composite T = Σ w_c T_c / Σ w_c, a compensatory rule with a conjunctive floor.
    """

    name: str = "Customer-service agent"
    weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(COMPETENCIES, 1.0))
    recommend_at: float = 50.0
    care_at: float = 42.0
    floor: float = 35.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(COMPETENCIES))
        if unknown:
            raise ReportError(f"role profile {self.name!r}: unknown competencies {unknown}")
        weights = {c: _finite(self.weights.get(c, 0.0), f"weight of {c}") for c in COMPETENCIES}
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ReportError(
                f"role profile {self.name!r}: weights must be >= 0 with at least one positive"
            )
        if not _finite(self.care_at, "care_at") <= _finite(self.recommend_at, "recommend_at"):
            raise ReportError(f"role profile {self.name!r}: needs care_at <= recommend_at")
        _finite(self.floor, "floor")
        object.__setattr__(self, "weights", MappingProxyType(weights))

    def summarise(self, scores: Iterable[CompetencyScore]) -> OverallSummary:
        """The overall summary band of a set of competency scores under this role profile."""
        return self.summarise_t({score.competency_id: score.t_score for score in scores})

    def summarise_t(self, t_scores: Mapping[str, float]) -> OverallSummary:
        """The overall summary band of T-scores by competency id under this role profile."""
        used = [c for c in COMPETENCIES if self.weights[c] > 0]
        total = sum(self.weights[c] for c in used)
        composite = sum(self.weights[c] * t_scores[c] for c in used) / total
        below = tuple(c for c in used if t_scores[c] < self.floor)
        band: OverallBand
        if composite >= self.recommend_at and not below:
            band = "recommended"
        elif composite >= self.care_at:
            band = "with_care"
        else:
            band = "not_a_match"
        return OverallSummary(band, composite, self.name, below, self.recommend_at, self.care_at)


@dataclass(frozen=True)
class CompetencyScore:
    """One competency's result: estimate, norm-referenced scores and band.

    ``t_low``/``t_high`` is the 90% interval T ± 1.645 · SE_T, with SE_T = 10 · se / sd_norm.
    """

    competency_id: str
    theta: float
    se: float
    t_score: float
    t_se: float
    t_low: float
    t_high: float
    percentile: float
    band: Band
    reliability: float


@dataclass(frozen=True)
class OverallSummary:
    """The overall summary band with the weighted composite it came from."""

    band: OverallBand
    composite_t: float
    role_name: str
    below_floor: tuple[str, ...]
    recommend_at: float
    care_at: float


@dataclass(frozen=True)
class CandidateProfile:
    """Everything a candidate profile report shows, as plain values.

    ``scores`` follows ``items.COMPETENCIES`` order; ``flags`` holds data-quality flag keys
    from ``QUALITY_FLAGS`` (empty when none were raised).
    """

    candidate_name: str
    candidate_id: str
    position: str
    test_date: dt.date
    language: Language
    form: Form
    n_items: int
    model_version: str
    norm_group: str
    norm_size: int
    scores: tuple[CompetencyScore, ...]
    overall: OverallSummary
    flags: tuple[str, ...] = ()
    cuts: BandCuts = BandCuts()
    method: str = "EAP"

    def score(self, competency_id: str) -> CompetencyScore:
        """The score of one competency."""
        for score in self.scores:
            if score.competency_id == competency_id:
                return score
        raise KeyError(f"no score for competency {competency_id!r}")

    def lowest(self, n: int = 3) -> tuple[str, ...]:
        """Ids of the ``n`` lowest-scoring competencies (ties in framework order)."""
        order = sorted(range(len(self.scores)), key=lambda i: (self.scores[i].t_score, i))
        return tuple(self.scores[i].competency_id for i in order[:n])


def composite_and_band(
    t_scores: Mapping[str, float], role: RoleProfile | None = None
) -> tuple[float, str]:
    """(composite T, overall band) of T-scores by competency, as exports list them."""
    overall = (role or RoleProfile()).summarise_t(t_scores)
    return overall.composite_t, overall.band


def build_profile(
    *,
    candidate_name: str,
    candidate_id: str,
    position: str,
    test_date: dt.date,
    language: Language,
    form: Form,
    n_items: int,
    model_version: str,
    theta: Mapping[str, float],
    se: Mapping[str, float],
    norms: Mapping[str, NormTable],
    reliability: Mapping[str, float],
    role: RoleProfile | None = None,
    cuts: BandCuts | None = None,
    flags: Iterable[str] = (),
) -> CandidateProfile:
    """Compute a candidate profile from trait estimates and norm tables.

    Parameters
    ----------
    theta, se : mapping of competency id → float
        EAP estimate and posterior SD for each of the five competencies.
    norms : mapping of competency id → NormTable
        The norm table of each competency; all must come from the same norm group.
    reliability : mapping of competency id → float
        Reliability (0–1) of each competency's score, for the technical note.
    role : RoleProfile, optional
        Weights and cut scores of the overall summary (default: equal weights).
    cuts : BandCuts, optional
        T cut scores of the competency bands (default: low < 40, high > 60).
    flags : iterable of str
        Data-quality flag keys from ``QUALITY_FLAGS``; duplicates are dropped.

    Raises
    ------
    ReportError
        A competency is missing, a value is not finite, an SE is not positive, a flag is
        unknown, or the norm tables come from different norm groups.
    """
    role = role if role is not None else RoleProfile()
    cuts = cuts if cuts is not None else BandCuts()
    if problem := language_problem(language) or form_problem(form):
        raise ReportError(problem)
    if isinstance(n_items, bool) or not isinstance(n_items, int) or n_items < 0:
        raise ReportError(f"n_items must be a non-negative integer, got {n_items!r}")
    if not isinstance(test_date, dt.date):
        raise ReportError(f"test_date must be a date, got {test_date!r}")
    for what, mapping in (("theta", theta), ("se", se), ("norms", norms)):
        missing = [c for c in COMPETENCIES if c not in mapping]
        if missing:
            raise ReportError(f"{what} is missing competencies {missing}")
    groups = sorted({norms[c].group for c in COMPETENCIES})
    if len(groups) != 1:
        raise ReportError(f"norm tables come from different norm groups: {groups}")
    flag_set = {str(flag) for flag in flags}
    unknown = sorted(flag_set - set(QUALITY_FLAGS))
    if unknown:
        raise ReportError(f"unknown data-quality flags {unknown}; known: {QUALITY_FLAGS}")

    scores = []
    for c in COMPETENCIES:
        table = norms[c]
        value = _finite(theta[c], f"theta of {c}")
        error = _finite(se[c], f"se of {c}")
        if error <= 0:
            raise ReportError(f"se of {c} must be positive, got {error}")
        rel = _finite(reliability.get(c, math.nan), f"reliability of {c}")
        if not 0.0 <= rel <= 1.0:
            raise ReportError(f"reliability of {c} must lie in [0, 1], got {rel}")
        t = float(table.t_score(np.asarray(value)))
        t_se = float(table.t_se(np.asarray(error)))
        scores.append(
            CompetencyScore(
                competency_id=c,
                theta=value,
                se=error,
                t_score=t,
                t_se=t_se,
                t_low=t - Z90 * t_se,
                t_high=t + Z90 * t_se,
                percentile=float(table.percentile(np.asarray(value))),
                band=cuts.band(t),
                reliability=rel,
            )
        )
    return CandidateProfile(
        candidate_name=str(candidate_name),
        candidate_id=str(candidate_id),
        position=str(position),
        test_date=test_date,
        language=language,
        form=form,
        n_items=n_items,
        model_version=str(model_version),
        norm_group=groups[0],
        norm_size=min(norms[c].n for c in COMPETENCIES),
        scores=tuple(scores),
        overall=role.summarise(scores),
        flags=tuple(f for f in QUALITY_FLAGS if f in flag_set),
        cuts=cuts,
    )
