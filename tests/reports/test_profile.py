"""The profile view model computes every number from estimates, norms and the role profile."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assessment.vocabulary import RANDOM_LIKE_BELOW
from items import COMPETENCIES
from reports.errors import ReportError
from reports.formatting import (
    fmt_date,
    fmt_interval,
    fmt_percentile,
    fmt_reliability,
    fmt_sem,
    fmt_t,
    fmt_theta,
)
from reports.profile import (
    QUALITY_FLAGS,
    BandCuts,
    CandidateProfile,
    RoleProfile,
)
from scoring.norms import NormTable
from tests.reports.conftest import RELIABILITY, SE, THETA, strong_inputs

MakeProfile = Callable[..., CandidateProfile]
REPORTS = Path(__file__).resolve().parents[2] / "reports"


def test_t_scores_intervals_and_percentiles_come_from_the_norm_tables(
    make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    profile = make_profile()
    assert [score.competency_id for score in profile.scores] == list(COMPETENCIES)
    for score in profile.scores:
        table = norms[score.competency_id]
        t = 50.0 + 10.0 * (THETA[score.competency_id] - table.mean) / table.sd
        t_se = 10.0 * SE[score.competency_id] / table.sd
        assert score.t_score == pytest.approx(t)
        assert score.t_se == pytest.approx(t_se)
        assert score.t_low == pytest.approx(t - 1.645 * t_se)
        assert score.t_high == pytest.approx(t + 1.645 * t_se)
        rank = 100.0 * np.mean(table.quantiles <= THETA[score.competency_id])
        assert score.percentile == pytest.approx(rank, abs=1.0)
        assert score.reliability == RELIABILITY[score.competency_id]
    assert profile.norm_group == "Customer-service applicants 2026"
    assert profile.norm_size == 2400


def test_bands_follow_the_t_cut_scores_and_can_be_configured(make_profile: MakeProfile) -> None:
    profile = make_profile()
    bands = {score.competency_id: score.band for score in profile.scores}
    assert bands == {
        "service_orientation": "typical",
        "resilience": "typical",
        "composure": "low",
        "empathy": "typical",
        "integrity": "high",
    }
    strict = make_profile(cuts=BandCuts(low_below=45.0, high_above=55.0))
    assert strict.score("resilience").band == "low"
    assert strict.score("service_orientation").band == "high"
    cuts = BandCuts()
    assert (cuts.band(40.0), cuts.band(60.0), cuts.band(38.99), cuts.band(61.01)) == (
        "typical",
        "typical",
        "low",
        "high",
    )


@pytest.mark.parametrize(
    ("t", "band"), [(39.5, "typical"), (39.49, "low"), (60.49, "typical"), (60.5, "high")]
)
def test_a_band_agrees_with_the_t_score_as_printed(t: float, band: str) -> None:
    # a T printed as 40 is "typical" (the legend: lower below 40), never "lower"
    assert BandCuts().band(t) == band
    printed = int(fmt_t(t))
    assert (printed < 40) == (band == "low")
    assert (printed > 60) == (band == "high")


def test_the_overall_result_agrees_with_the_composite_as_printed() -> None:
    role = RoleProfile()
    assert role.decision(49.5, below_floor=False) == "recommended"  # printed 50: at the cut
    assert role.decision(49.49, below_floor=False) == "with_care"
    assert role.decision(41.5, below_floor=False) == "with_care"  # printed 42
    assert role.decision(41.49, below_floor=False) == "not_a_match"


def test_overall_summary_is_the_composite_on_the_norm_groups_t_scale_with_its_interval(
    make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    profile = make_profile()
    theta = np.array([THETA[c] for c in COMPETENCIES])
    se = np.array([SE[c] for c in COMPETENCIES])
    mean = np.array([norms[c].mean for c in COMPETENCIES])
    sd = np.array([norms[c].sd for c in COMPETENCIES])
    w = np.full(5, 0.2)  # no covariance or correlation given: diagonal SEs, identity ρ
    scale = np.sqrt(w**2 @ sd**2)
    assert profile.overall.composite_t == pytest.approx(50 + 10 * w @ (theta - mean) / scale)
    assert profile.overall.composite_se == pytest.approx(10 * np.sqrt(w**2 @ se**2) / scale)
    assert profile.overall.composite_low == pytest.approx(
        profile.overall.composite_t - 1.645 * profile.overall.composite_se, abs=1e-3
    )
    assert profile.overall.percentile_low < profile.overall.percentile < 100
    assert profile.overall.below_floor == ("composure",)
    assert profile.overall.band == "with_care"  # capped: composure is below the floor

    correlation = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    covariance = np.diag(se**2) + 0.01 * (1 - np.eye(5))
    correlated = make_profile(covariance=covariance.tolist(), correlation=correlation.tolist())
    scale = np.sqrt((w * sd) @ correlation @ (w * sd))
    assert correlated.overall.composite_t == pytest.approx(50 + 10 * w @ (theta - mean) / scale)
    assert correlated.overall.composite_se == pytest.approx(
        10 * np.sqrt(w @ covariance @ w) / scale
    )

    weights = {"integrity": 2.0, "service_orientation": 1.0}
    weighted = make_profile(role=RoleProfile(name="Counter", weights=weights, floor=0.0))
    v = np.array([weights.get(c, 0.0) for c in COMPETENCIES]) / 3
    assert weighted.overall.composite_t == pytest.approx(
        50 + 10 * v @ (theta - mean) / np.sqrt(v**2 @ sd**2)
    )
    assert weighted.overall.band == "recommended"
    assert weighted.overall.role_name == "Counter"
    low_theta = dict.fromkeys(COMPETENCIES, -1.5)
    assert make_profile(theta=low_theta).overall.band == "not_a_match"


def test_the_composite_refers_to_the_norm_group_the_competency_scores_refer_to(
    make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    # A strong norm group (θ about 0.6 above the model's population): a candidate at its
    # mean is average on every competency and on the composite. The old composite kept the
    # model's N(0, R): T 57 (percentile 75) and "recommended" beside average competencies.
    rng = np.random.default_rng(2026)
    strong = {
        c: NormTable.from_estimates(rng.normal(0.6, 0.9, 400), "applicants (strong pool)")
        for c in COMPETENCIES
    }
    at_mean = {c: strong[c].mean for c in COMPETENCIES}
    correlation = np.full((5, 5), 0.5) + 0.5 * np.eye(5)
    profile = make_profile(
        norms=strong, theta=at_mean, se=dict.fromkeys(COMPETENCIES, 0.3),
        correlation=correlation.tolist(),
    )  # fmt: skip
    assert [round(s.t_score) for s in profile.scores] == [50] * 5
    assert profile.overall.composite_t == pytest.approx(50.0)
    assert profile.overall.percentile == pytest.approx(50.0)
    assert profile.overall.band != "recommended"
    # the same θ against the fixture's average group is above average, on both scales
    usual = make_profile(
        theta=at_mean, se=dict.fromkeys(COMPETENCIES, 0.3), correlation=correlation.tolist()
    )
    assert all(s.t_score > 53 for s in usual.scores)
    assert usual.overall.composite_t > 53
    assert profile.composite_basis == "norm_group"


def test_borderline_when_the_composites_interval_straddles_a_cut_score(
    make_profile: MakeProfile,
) -> None:
    no_floor = make_profile(role=RoleProfile(floor=20.0))
    overall = no_floor.overall
    assert overall.composite_low < overall.recommend_at <= overall.composite_high
    assert overall.composite_t >= overall.recommend_at  # the point estimate alone: recommended
    assert overall.band == "borderline"
    assert overall.straddled == overall.recommend_at
    precise = make_profile(
        role=RoleProfile(floor=20.0), se=dict.fromkeys(COMPETENCIES, 0.05)
    ).overall
    assert precise.composite_low >= precise.recommend_at
    assert (precise.band, precise.straddled) == ("recommended", None)
    near_care = make_profile(theta=dict.fromkeys(COMPETENCIES, -0.35)).overall
    assert near_care.composite_low < near_care.care_at <= near_care.composite_high
    assert (near_care.band, near_care.straddled) == ("borderline", near_care.care_at)


@pytest.mark.parametrize("flag", QUALITY_FLAGS)
def test_any_data_quality_flag_makes_the_result_review_before_use(
    make_profile: MakeProfile, flag: str
) -> None:
    strong = make_profile(
        role=RoleProfile(floor=20.0),
        theta=dict.fromkeys(COMPETENCIES, 1.5),
        se=dict.fromkeys(COMPETENCIES, 0.2),
        flags=[flag],
    )
    assert strong.overall.band == "review"
    assert strong.overall.flags == (flag,)
    assert make_profile(theta=dict.fromkeys(COMPETENCIES, 1.5)).overall.band == "recommended"


def test_a_recommendation_needs_evidence_that_the_answers_are_not_random_picks(
    make_profile: MakeProfile,
) -> None:
    strong = strong_inputs()
    assert make_profile(**strong).overall.band == "recommended"  # evidence unknown
    threshold = RoleProfile().min_evidence
    assert threshold == pytest.approx(np.log(100.0))
    decisive = make_profile(**strong, evidence=threshold + 0.01).overall
    assert (decisive.band, decisive.reason) == ("recommended", "recommended")
    weak = make_profile(**strong, evidence=threshold - 0.01).overall
    assert (weak.band, weak.reason, weak.straddled) == ("borderline", "evidence", None)
    # Above RANDOM_LIKE_BELOW evidence only withholds a recommendation: no other band moves.
    low = make_profile(theta=dict.fromkeys(COMPETENCIES, -1.5), evidence=RANDOM_LIKE_BELOW)
    assert (low.overall.band, low.overall.reason, low.flags) == ("not_a_match", "below_care", ())


@pytest.mark.parametrize("theta", [0.0, 1.5, -1.5])
def test_answers_that_cannot_be_told_apart_from_random_picking_are_review_whatever_the_scores(
    make_profile: MakeProfile, theta: float
) -> None:
    """Typical, strong and weak scores alike: below ``RANDOM_LIKE_BELOW`` (or NaN) the
    ``random_like`` flag is raised and the result is "review" under its own headline; the old
    code printed an ordinary profile for a random responder at log odds −0.77."""
    inputs = strong_inputs() | {"theta": dict.fromkeys(COMPETENCIES, theta)}
    for evidence in (RANDOM_LIKE_BELOW - 0.01, -0.77, float("nan")):
        profile = make_profile(**inputs, evidence=evidence)
        assert profile.flags == ("random_like",)
        overall = profile.overall
        assert (overall.band, overall.reason, overall.headline) == (
            "review",
            "review",
            "random_like",
        )
        assert overall.flags == ("random_like",)
    for evidence in (RANDOM_LIKE_BELOW, None):
        profile = make_profile(**inputs, evidence=evidence)
        assert "random_like" not in profile.flags
        assert profile.overall.band != "review"
    both = make_profile(**inputs, evidence=-5.0, flags=["too_fast"])
    assert both.flags == both.overall.flags == ("too_fast", "random_like")
    assert both.overall.headline == "random_like"


def test_composure_is_below_the_default_floor(make_profile: MakeProfile) -> None:
    assert make_profile().score("composure").t_score < RoleProfile().floor


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": {"patience": 1.0}}, "unknown competencies"),
        ({"weights": {"empathy": -1.0, "integrity": 2.0}}, "weights must be >= 0"),
        ({"weights": {}}, "at least one positive"),
        ({"care_at": 55.0, "recommend_at": 50.0}, "care_at <= recommend_at"),
    ],
)
def test_invalid_role_profiles_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        RoleProfile(**kwargs)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"theta": dict.fromkeys(COMPETENCIES[:4], 0.0)}, "theta is missing"),
        ({"theta": {**THETA, "empathy": float("nan")}}, "theta of empathy must be a finite"),
        ({"se": {**SE, "integrity": 0.0}}, "se of integrity must be positive"),
        ({"reliability": {**RELIABILITY, "composure": 1.2}}, r"reliability of composure"),
        ({"flags": ["too_fast", "sleepy"]}, "unknown data-quality flags"),
        ({"language": "fr"}, "language must be one of"),
        ({"form": "paper"}, "form must be one of"),
        ({"n_items": -1}, "n_items must be"),
        ({"test_date": "2026-11-23"}, "test_date must be a date"),
    ],
)
def test_invalid_inputs_raise_report_errors(
    make_profile: MakeProfile, override: dict, message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        make_profile(**override)


def test_norm_tables_of_different_groups_are_rejected(
    make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    other = dataclasses.replace(norms["empathy"], group="Retail 2025")
    with pytest.raises(ReportError, match="different norm groups"):
        make_profile(norms={**norms, "empathy": other})


def test_flags_are_deduplicated_in_the_documented_order(make_profile: MakeProfile) -> None:
    flags = iter(["person_misfit", "too_fast", "person_misfit"])
    profile = make_profile(flags=flags)
    assert profile.flags == ("too_fast", "person_misfit")
    assert set(profile.flags) <= set(QUALITY_FLAGS)


def test_profile_is_immutable_and_lists_the_lowest_competencies(
    make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    profile = make_profile()
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.candidate_name = "someone else"  # type: ignore[misc]
    assert profile.lowest(3) == ("composure", "resilience", "empathy")
    same_norms = dict.fromkeys(COMPETENCIES, norms["empathy"])
    tied = make_profile(theta=dict.fromkeys(COMPETENCIES, 0.0), norms=same_norms)
    assert tied.lowest(2) == COMPETENCIES[:2]
    with pytest.raises(KeyError):
        profile.score("patience")


def test_numbers_are_printed_half_up_with_fixed_decimals() -> None:
    assert (fmt_t(52.5), fmt_t(47.49), fmt_t(-0.4)) == ("53", "47", "0")
    assert fmt_interval(41.2, 58.8) == "41–59"
    assert (fmt_percentile(0.2), fmt_percentile(99.7), fmt_percentile(50.5)) == ("1", "99", "51")
    assert (fmt_reliability(0.805), fmt_sem(4.25), fmt_theta(-0.004)) == ("0.81", "4.3", "0.00")
    assert fmt_theta(-1.355) == "-1.36"
    assert fmt_date(dt.date(2026, 3, 7), "en") == "7 March 2026"
    assert fmt_date(dt.date(2026, 3, 7), "zh") == "2026年3月7日"


@pytest.mark.parametrize("module", ["profile.py", "formatting.py", "wording.py", "errors.py"])
def test_view_model_modules_do_not_import_reportlab(module: str) -> None:
    tree = ast.parse((REPORTS / module).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "reportlab" not in imported
