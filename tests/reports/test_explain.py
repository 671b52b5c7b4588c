"""The printed numbers of a profile's scores and overall summary, named once."""

from __future__ import annotations

from collections.abc import Callable

from reports.explain import norm_basis_text, overall_numbers, score_numbers
from reports.profile import CandidateProfile, CompetencyScore, OverallSummary
from reports.wording import Wording


def test_a_scores_numbers_are_rounded_half_up_and_percentiles_kept_within_1_to_99() -> None:
    score = CompetencyScore(
        "empathy", theta=0.25, se=0.3, t_score=52.5, t_se=4.25, t_low=45.51, t_high=59.49,
        percentile=99.7, band="typical", reliability=0.805, percentile_low=0.2,
        percentile_high=50.5,
    )  # fmt: skip
    assert score_numbers(score) == {
        "t": "53", "interval": "46–59", "pct": "99", "pct_interval": "1–51", "sem": "4.3",
        "reliability": "0.81",
    }  # fmt: skip


def test_the_overall_numbers_are_printed_as_whole_numbers() -> None:
    overall = OverallSummary(
        "borderline", composite_t=47.49, role_name="Service", below_floor=(), recommend_at=55.0,
        care_at=45.0, composite_low=40.5, composite_high=54.4, percentile=40.2,
        percentile_low=20.0, percentile_high=66.6, floor=35.0,
    )  # fmt: skip
    assert overall_numbers(overall) == {
        "t": "47", "low": "41", "high": "54", "pct": "40", "pct_low": "20", "pct_high": "67",
        "recommend_at": "55", "care_at": "45", "floor": "35",
    }  # fmt: skip


def test_the_norm_basis_names_the_form_but_not_the_candidates_number_of_items(
    make_profile: Callable[..., CandidateProfile], wording: Wording
) -> None:
    for language, words in (("en", wording.en), ("zh", wording.zh)):
        for form, name in (
            ("adaptive", words.form_names.adaptive),
            ("fixed", words.form_names.fixed),
        ):
            profile = make_profile(form=form, n_items=37, language=language, norm_basis="form")
            text = norm_basis_text(profile, words)
            assert name in text
            assert "37" not in text  # the norm group answered other numbers of items
        other = norm_basis_text(make_profile(language=language, norm_basis="other_form"), words)
        assert other == words.profile.norm_basis.other_form
