"""The candidate profile as a view model: plain, immutable values computed from scores.

Nothing here knows about reportlab. ``build_profile`` turns theta/SE per competency, a norm
table per competency, reliabilities and a ``RoleProfile`` into a ``CandidateProfile`` whose
every number (T-scores, intervals, percentiles, bands, the overall summary) is computed, never
typed in. The story and the PDF only print these values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from assessment.vocabulary import (
    BAND_HIGH_ABOVE,
    BAND_LOW_BELOW,
    CARE_AT,
    FLOOR_BELOW,
    QUALITY_FLAGS,
    RECOMMEND_AT,
    Form,
    Language,
    form_problem,
    language_problem,
    random_like,
)
from items.models import COMPETENCIES, Text
from reports.errors import ReportError
from scoring.composite import CompositeReference, composite
from scoring.norms import NormTable

Band = Literal["low", "typical", "high"]
OverallBand = Literal["review", "recommended", "borderline", "with_care", "not_a_match"]
OverallReason = Literal[
    "review", "borderline", "evidence", "recommended", "floor", "between", "below_care"
]
"""Why the overall band is what it is: data quality; an interval straddling a cut score;
answers not clearly distinguishable from random picks (a recommendation withheld);
recommended; capped by a competency below the floor; composite between the two cut scores;
composite below the lower cut score."""
MIN_EVIDENCE_LOG_ODDS = math.log(100.0)
"""Least evidence that the answers come from the scoring model rather than from random picks
(log Bayes factor, ``assessment.delivery.quality.random_log_odds``) for "recommended": 100 to
1, "decisive" on Jeffreys' (1961) scale. Below it a result that would be recommended is
"borderline": random responders that escape the data-quality flags reach up to about 4.3
(500 at human speed, seed 12), model-conforming candidates in the top 30% fall below it about
4% of the time (300 simulated, seed 5)."""
DEFAULT_ROLE_NAME = Text(en="Customer-service agent", zh="客户服务岗位")
"""The role profile of the default summary (equal weights)."""
_GENERATED_GROUP_NAMES_ZH = (
    (re.compile(r"simulated norm group \(synthetic, n=(\d+)\)"), "模拟常模组（合成数据）"),
    (re.compile(r"calibration sample \((.+), n=(\d+)\)"), "校准样本（{0}）"),
)
"""Chinese names of the norm groups the service names itself, for model files written
before norm tables carried names per language."""
Z90 = 1.645
"""Standard-normal quantile of a two-sided 90% interval, as stated in the technical note."""
RELIABILITY_SOURCES: tuple[str, ...] = (
    "candidates",
    "simulation",
    "synthetic_simulation",
    "unavailable",
)
"""Where a printed reliability comes from: the scored candidates of the model version
(empirical reliability of the test as delivered), the version's simulation of the delivered
test, or that simulation under a synthetic model; ``"unavailable"`` until one of them exists
for the form, when no reliability is printed (the calibration sample's whole-bank marginal
reliability is not that of the delivered test, which is shorter)."""


COMPOSITE_BASES: tuple[str, ...] = ("norm_group", "norm_group_latent_correlation")
"""The composite's reference group is always the norm group of the competency scores (its
tables' means and SDs); the correlation between its estimates is the group's own or, for
model files that do not keep it, the model's latent correlation
(``assessment.model_document.CompositeBasis``)."""


NORM_BASES: tuple[str, ...] = ("form", "other_form", "design_not_recorded")
"""Where the norm group's estimates come from, relative to the candidate's form
(``assessment.model_document.NormBasis``): the same form, the other form (the version has no
table of this form), or a design the version does not record."""


def printed_t(value: float) -> float:
    """A T-score as the reports print it: a whole number, rounded half away from zero.

    Bands, floors and cut scores are decided on this value, so that what a reader sees always
    agrees with its label: a T printed as 40 is never called "lower" (39.7 would have been),
    and an interval printed as 50–55 never straddles the cut score 50.
    """
    return math.copysign(math.floor(abs(value) + 0.5), value)


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
        """The band of a T-score, as printed (``printed_t``)."""
        shown = printed_t(t_score)
        if shown < self.low_below:
            return "low"
        if shown > self.high_above:
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
        Composite T at or above which the summary is "recommended" …
    care_at : float
        … and at or above which it is "with_care"; below it, "not_a_match".
    floor : float
        A weighted competency with T below ``floor`` caps the summary at "with_care".

    Notes
    -----
    A compensatory rule on the composite (the weighted mean θ on the T scale of the reference
    population, :mod:`scoring.composite`) with a conjunctive floor; measurement error and data
    quality enter through :meth:`summarise_values`.
    """

    name: Text | str = field(default_factory=lambda: DEFAULT_ROLE_NAME)
    weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(COMPETENCIES, 1.0))
    recommend_at: float = RECOMMEND_AT
    care_at: float = CARE_AT
    floor: float = FLOOR_BELOW
    min_evidence: float = MIN_EVIDENCE_LOG_ODDS

    def __post_init__(self) -> None:
        role = f"role profile {self.name_in('en')!r}"
        unknown = sorted(set(self.weights) - set(COMPETENCIES))
        if unknown:
            raise ReportError(f"{role}: unknown competencies {unknown}")
        weights = {c: _finite(self.weights.get(c, 0.0), f"weight of {c}") for c in COMPETENCIES}
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ReportError(f"{role}: weights must be >= 0 with at least one positive")
        if not _finite(self.care_at, "care_at") <= _finite(self.recommend_at, "recommend_at"):
            raise ReportError(f"{role}: needs care_at <= recommend_at")
        _finite(self.floor, "floor")
        object.__setattr__(self, "weights", MappingProxyType(weights))

    def name_in(self, language: str) -> str:
        """The role's name in ``language``."""
        return self.name.get(language) if isinstance(self.name, Text) else self.name

    def weak_evidence(self, evidence: float | None) -> bool:
        """Whether answers with log Bayes factor ``evidence`` (model against random picks) are
        not clearly more probable under the model than under random picks: known and below
        ``min_evidence`` (NaN counts as weak). The profile then carries its caution and the
        Candidates overview shows it; one rule for both."""
        return evidence is not None and not evidence >= self.min_evidence

    def decision(self, t: float, below_floor: bool) -> OverallBand:
        """The band of a composite T (as printed, ``printed_t``) by the cut scores, capped at
        "with_care" by a floor."""
        shown = printed_t(t)
        if shown >= self.recommend_at and not below_floor:
            return "recommended"
        return "with_care" if shown >= self.care_at else "not_a_match"

    def summarise_values(
        self,
        theta_by: Mapping[str, float],
        se_by: Mapping[str, float],
        t_by: Mapping[str, float],
        covariance: np.ndarray | None = None,
        reference: CompositeReference | None = None,
        flags: Iterable[str] = (),
        language: str = "en",
        evidence: float | None = None,
    ) -> OverallSummary:
        """The overall summary of a candidate's competency results under this role profile.

        Parameters
        ----------
        theta_by, se_by, t_by : mapping of competency id → float
            θ estimate, its SE and its T-score for each competency (``items.COMPETENCIES``).
        covariance : ndarray (5, 5), optional
            Posterior covariance of the θ estimates (``items.COMPETENCIES`` order); default
            the diagonal of the squared SEs (no covariance stored).
        reference : CompositeReference, optional
            The reference group of the composite in ``items.COMPETENCIES`` order: the norm
            group of ``t_by`` (``build_profile`` makes it from the norm tables). Default
            ``N(0, I)``, for callers without norms.
        flags : iterable of str
            Raised data-quality flags: any makes the result "review".
        evidence : float, optional
            Log Bayes factor of the model against random picks for the answers. Below
            ``assessment.vocabulary.RANDOM_LIKE_BELOW`` the answers cannot be told apart from
            random picking: the ``random_like`` flag is raised and the result is "review".
            Below ``min_evidence`` a result that would be "recommended" is "borderline" (reason
            "evidence"), and whatever the band ``low_evidence`` is set (the profile then says
            so). None: not known (neither rule applied).

        Notes
        -----
        The composite is :mod:`scoring.composite` with this profile's weights: the weighted
        mean θ re-standardised to T (mean 50, SD 10) in the reference group ``reference``,
        its SE from the posterior covariance and its 90% interval. Decision: data-quality
        flags → "review"; otherwise the band of each end of the 90% interval (cut scores
        ``recommend_at`` and ``care_at``, a weighted competency below ``floor`` caps at
        "with_care"): when the two ends fall in different bands the result is "borderline"
        (the interval straddles a cut score), else that band.
        """
        used = [c for c in COMPETENCIES if self.weights[c] > 0]
        theta = np.array([theta_by[c] for c in COMPETENCIES])
        if covariance is None:
            covariance = np.diag([se_by[c] ** 2 for c in COMPETENCIES])
        if reference is None:
            reference = CompositeReference.latent(np.eye(len(COMPETENCIES)))
        weights = np.array([self.weights[c] for c in COMPETENCIES])
        found = composite(theta, np.asarray(covariance), reference, weights)
        t, low, high = float(found.t), float(found.low), float(found.high)
        below = tuple(c for c in used if printed_t(t_by[c]) < self.floor)
        flagged = set(flags) | ({"random_like"} if random_like(evidence) else set())
        raised = tuple(f for f in QUALITY_FLAGS if f in flagged)
        straddled: float | None = None
        band: OverallBand
        if raised:
            band = "review"
        else:
            at_low, at_high = self.decision(low, bool(below)), self.decision(high, bool(below))
            if at_low != at_high:
                band = "borderline"
                shown_low, shown_high = printed_t(low), printed_t(high)
                cuts = [
                    cut for cut in (self.recommend_at, self.care_at)
                    if shown_low < cut <= shown_high
                ]  # fmt: skip
                straddled = cuts[0] if cuts else None
            else:
                band = self.decision(t, bool(below))
        # NaN evidence counts as weak: a recommendation needs evidence that is really there.
        low_evidence = self.weak_evidence(evidence)
        weak_evidence = band == "recommended" and low_evidence
        if weak_evidence:
            band = "borderline"
        return OverallSummary(
            band, t, self.name_in(language), below, self.recommend_at, self.care_at,
            floor=self.floor, composite_se=float(found.se), composite_low=low, composite_high=high,
            percentile=float(found.percentile), percentile_low=float(found.percentile_low),
            percentile_high=float(found.percentile_high), straddled=straddled, flags=raised,
            weak_evidence=weak_evidence, low_evidence=low_evidence,
        )  # fmt: skip


@dataclass(frozen=True)
class CompetencyScore:
    """One competency's result: estimate, norm-referenced scores and band.

    ``t_low``/``t_high`` is the 90% interval T ± 1.645 · SE_T, with SE_T = 10 · se / sd_norm;
    ``percentile_low``/``percentile_high`` the percentiles of θ ∓ 1.645 · se.
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
    reliability: float | None
    """Reliability of the test as delivered (None when no figure of it is available)."""
    percentile_low: float = 0.0
    percentile_high: float = 100.0
    reliability_interval: tuple[float, float] | None = None
    """90% bootstrap interval of an empirical reliability (None for other sources)."""


@dataclass(frozen=True)
class OverallSummary:
    """The overall summary band with the composite it came from (``RoleProfile.summarise_values``).

    Attributes
    ----------
    band : str
        "review" (data-quality flags, ``random_like`` among them), "recommended",
        "borderline" (the composite's 90% interval straddles ``straddled``), "with_care" or
        "not_a_match".
    composite_t, composite_se, composite_low, composite_high : float
        Composite T (reference population mean 50, SD 10), its SE and 90% interval.
    percentile, percentile_low, percentile_high : float
        Share of the reference population below the composite and below the interval's ends.
    below_floor : tuple of str
        Weighted competencies below the floor (they cap the result at "with_care").
    flags : tuple of str
        The data-quality flags behind "review".
    """

    band: OverallBand
    composite_t: float
    role_name: str
    below_floor: tuple[str, ...]
    recommend_at: float
    care_at: float
    composite_se: float = 0.0
    composite_low: float = 0.0
    composite_high: float = 0.0
    percentile: float = 50.0
    percentile_low: float = 50.0
    percentile_high: float = 50.0
    straddled: float | None = None
    flags: tuple[str, ...] = ()
    floor: float = FLOOR_BELOW
    weak_evidence: bool = False
    """A recommendation withheld: the answers are not clearly more probable under the model
    than under random picks (``RoleProfile.min_evidence``)."""
    low_evidence: bool = False
    """Whatever the band, the answers are not clearly more probable under the model than
    under random picks (evidence known and below ``RoleProfile.min_evidence``): random
    responders who escape the data-quality flags land here, so the profile says so and never
    reports "no concerns"."""

    @property
    def evidence_caveat(self) -> bool:
        """Whether the profile must say the answers are too close to random picking: low
        evidence, unless a ``random_like`` review already says so more strongly."""
        return self.low_evidence and "random_like" not in self.flags

    @property
    def headline(self) -> str:
        """Key of the headline and lead text: the band; ``"random_like"`` for a review because
        the answers cannot be told apart from random picking (said plainly, not as a generic
        data-quality review); ``"evidence"`` when a recommendation was withheld for weak
        evidence (the band is then borderline, but not because the interval straddles a cut
        score)."""
        if "random_like" in self.flags:
            return "random_like"
        return "evidence" if self.weak_evidence else self.band

    @property
    def reason(self) -> OverallReason:
        """Which rule decided the band (see ``RoleProfile.summarise_values``)."""
        if self.weak_evidence:
            return "evidence"
        if self.band in ("review", "borderline", "recommended"):
            return self.band
        if self.below_floor and self.composite_t >= self.recommend_at:
            return "floor"
        return "between" if self.composite_t >= self.care_at else "below_care"


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
    reliability_source: str = "simulation"
    reliability_n: int | None = None
    """Sessions an empirical reliability (source ``"candidates"``) rests on."""
    composite_basis: str = "norm_group"
    """What the composite's reference group rests on (:data:`COMPOSITE_BASES`)."""
    norm_basis: str = "form"
    """Whether the norm group was measured with the candidate's form (:data:`NORM_BASES`)."""
    test_language: Language | None = None
    """The language the candidate took the test in (None: the report's ``language``)."""

    @property
    def tested_in(self) -> Language:
        """The language the candidate took the test in, whatever the report's language."""
        return self.test_language or self.language

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


def norm_group_name(table: NormTable, language: str) -> str:
    """The norm group's name in ``language``: from the table, or for a Chinese report the
    Chinese form of a name the service generated (older model files), else as stored."""
    if language in table.names:
        return table.names[language]
    if language == "zh":
        for pattern, chinese in _GENERATED_GROUP_NAMES_ZH:
            if match := pattern.fullmatch(table.group):
                return chinese.format(*match.groups())
    return table.group


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
    covariance: Sequence[Sequence[float]] | None = None,
    correlation: Sequence[Sequence[float]] | None = None,
    reliability_source: str = "simulation",
    evidence: float | None = None,
    composite_basis: str = "norm_group",
    reliability_n: int | None = None,
    reliability_intervals: Mapping[str, tuple[float, float]] | None = None,
    test_language: Language | None = None,
    norm_basis: str = "form",
) -> CandidateProfile:
    """Compute a candidate profile from trait estimates and norm tables.

    Parameters
    ----------
    theta, se : mapping of competency id → float
        EAP estimate and posterior SD for each of the five competencies.
    norms : mapping of competency id → NormTable
        The norm table of each competency; all must come from the same norm group.
    reliability : mapping of competency id → float
        Reliability (0–1) of each competency's score on the test as delivered, for the
        technical note (ignored, and may be empty, for source ``"unavailable"``).
    role : RoleProfile, optional
        Weights and cut scores of the overall summary (default: equal weights).
    cuts : BandCuts, optional
        T cut scores of the competency bands (default: low < 40, high > 60).
    flags : iterable of str
        Data-quality flag keys from ``QUALITY_FLAGS``; duplicates are dropped. Any flag makes
        the overall result "review".
    covariance, correlation : 5 × 5 nested sequences, optional
        Posterior covariance of the estimates (for the composite's SE) and the correlation of
        the norm group's estimates (``items.COMPETENCIES`` order; default identity). With the
        norm tables' means and SDs the correlation makes the composite's reference group the
        norm group of the competency scores (``scoring.composite.CompositeReference``).
    composite_basis : str
        What the correlation is (:data:`COMPOSITE_BASES`), printed in the technical note:
        the norm group's own (``"norm_group"``) or the model's latent correlation in its
        place (``"norm_group_latent_correlation"``, model files without it).
    evidence : float, optional
        Log Bayes factor of the model against random picks for the answers
        (``RoleProfile.summarise_values``); below ``RANDOM_LIKE_BELOW`` it raises the
        ``random_like`` flag.
    reliability_source : str
        Where ``reliability`` comes from (:data:`RELIABILITY_SOURCES`), printed beside it.
    reliability_n, reliability_intervals : int and mapping of competency id → (low, high)
        For an empirical reliability (``"candidates"``, required then): the number of
        sessions it rests on and its 90% bootstrap intervals, printed with it.
    test_language : {"en", "zh"}, optional
        The language the candidate took the test in (default: ``language``, the report's).
    norm_basis : str
        Whether ``norms`` were made from estimates of ``form`` (:data:`NORM_BASES`), printed
        in the technical note: estimates of different forms spread differently, so a norm
        group measured with another form gives approximate percentiles.

    Raises
    ------
    ReportError
        A competency is missing, a value is not finite, an SE is not positive, a flag is
        unknown, or the norm tables come from different norm groups.
    """
    role = role if role is not None else RoleProfile()
    cuts = cuts if cuts is not None else BandCuts()
    tested_in = language if test_language is None else test_language
    if problem := (language_problem(language) or language_problem(tested_in) or form_problem(form)):
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
    if reliability_source not in RELIABILITY_SOURCES:
        raise ReportError(
            f"unknown reliability source {reliability_source!r}; known: {RELIABILITY_SOURCES}"
        )
    empirical = reliability_source == "candidates"
    if empirical and (reliability_n is None or reliability_intervals is None):
        raise ReportError("an empirical reliability needs its number of sessions and intervals")
    if composite_basis not in COMPOSITE_BASES:
        raise ReportError(f"unknown composite basis {composite_basis!r}; known: {COMPOSITE_BASES}")
    if norm_basis not in NORM_BASES:
        raise ReportError(f"unknown norm basis {norm_basis!r}; known: {NORM_BASES}")
    matrices = {}
    for what, matrix in (("covariance", covariance), ("correlation", correlation)):
        if matrix is not None:
            values = np.asarray(matrix, dtype=float)
            if values.shape != (len(COMPETENCIES),) * 2 or not np.all(np.isfinite(values)):
                raise ReportError(f"{what} must be a finite 5 × 5 matrix")
            matrices[what] = values
    flag_set = {str(flag) for flag in flags}
    unknown = sorted(flag_set - set(QUALITY_FLAGS))
    if unknown:
        raise ReportError(f"unknown data-quality flags {unknown}; known: {QUALITY_FLAGS}")
    if random_like(evidence):
        flag_set.add("random_like")

    scores = []
    for c in COMPETENCIES:
        table = norms[c]
        value = _finite(theta[c], f"theta of {c}")
        error = _finite(se[c], f"se of {c}")
        if error <= 0:
            raise ReportError(f"se of {c} must be positive, got {error}")
        rel = _delivered_reliability(reliability, c, reliability_source)
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
                reliability_interval=(
                    (float(reliability_intervals[c][0]), float(reliability_intervals[c][1]))
                    if empirical and reliability_intervals is not None
                    else None
                ),
                percentile_low=float(table.percentile(np.asarray(value - Z90 * error))),
                percentile_high=float(table.percentile(np.asarray(value + Z90 * error))),
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
        norm_group=norm_group_name(norms[COMPETENCIES[0]], language),
        norm_size=min(norms[c].n for c in COMPETENCIES),
        scores=tuple(scores),
        overall=role.summarise_values(
            {score.competency_id: score.theta for score in scores},
            {score.competency_id: score.se for score in scores},
            {score.competency_id: score.t_score for score in scores},
            matrices.get("covariance"),
            norm_group_reference(norms, matrices.get("correlation")),
            flag_set,
            language,
            evidence,
        ),
        flags=tuple(f for f in QUALITY_FLAGS if f in flag_set),
        cuts=cuts,
        reliability_source=reliability_source,
        reliability_n=reliability_n if empirical else None,
        composite_basis=composite_basis,
        test_language=tested_in,
        norm_basis=norm_basis,
    )


def _delivered_reliability(
    reliability: Mapping[str, float], competency: str, source: str
) -> float | None:
    """The checked reliability of one competency, or None when none is available."""
    if source == "unavailable":
        return None
    rel = _finite(reliability.get(competency, math.nan), f"reliability of {competency}")
    if not 0.0 <= rel <= 1.0:
        raise ReportError(f"reliability of {competency} must lie in [0, 1], got {rel}")
    return rel


def norm_group_reference(
    norms: Mapping[str, NormTable], correlation: ArrayLike | None = None
) -> CompositeReference:
    """The composite's reference group: the norm group of ``norms`` with ``correlation``
    between its estimates (``items.COMPETENCIES`` order; default identity), so the composite
    refers to the group the competency scores refer to."""
    matrix = None if correlation is None else np.asarray(correlation, dtype=float)
    return CompositeReference.of_norm_group([norms[c] for c in COMPETENCIES], matrix)


def composite_and_band(
    theta: Mapping[str, float],
    se: Mapping[str, float],
    t_scores: Mapping[str, float],
    flags: Iterable[str] = (),
    evidence: float | None = None,
    covariance: ArrayLike | None = None,
    reference: CompositeReference | None = None,
    role: RoleProfile | None = None,
) -> tuple[float, str]:
    """(composite T, overall band) of one candidate, as the profile computes them
    (``RoleProfile.summarise_values``); ``reports.assemble.overall_rule`` supplies the
    posterior covariance and the norm group's reference the profile uses."""
    overall = (role or RoleProfile()).summarise_values(
        theta, se, t_scores,
        None if covariance is None else np.asarray(covariance, dtype=float),
        reference, flags, evidence=evidence,
    )  # fmt: skip
    return overall.composite_t, overall.band
