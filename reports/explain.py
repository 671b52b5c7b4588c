"""Why a profile's overall summary is what it is, in words (for the PDF and the screen alike).

Pure: plain values in, a sentence out; the wording comes from ``reports/wording.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reports.formatting import fmt_interval, fmt_percentile, fmt_reliability, fmt_sem, fmt_t
from reports.profile import CandidateProfile, CompetencyScore, OverallSummary
from reports.wording import LanguageWording


def low_competencies(profile: CandidateProfile, names: Mapping[str, str]) -> str:
    """The competencies below the floor with their T-scores, e.g. "Empathy (T 31)"."""
    zh = profile.language == "zh"
    parts = [
        f"{names[c]}（T {fmt_t(profile.score(c).t_score)}）"
        if zh
        else f"{names[c]} (T {fmt_t(profile.score(c).t_score)})"
        for c in profile.overall.below_floor
    ]
    return ("、" if zh else ", ").join(parts)


def overall_numbers(overall: OverallSummary) -> dict[str, str]:
    """The overall summary's numbers as printed, by the names the wording file's texts use."""
    return {
        "t": fmt_t(overall.composite_t),
        "low": fmt_t(overall.composite_low),
        "high": fmt_t(overall.composite_high),
        "pct": fmt_percentile(overall.percentile),
        "pct_low": fmt_percentile(overall.percentile_low),
        "pct_high": fmt_percentile(overall.percentile_high),
        "recommend_at": fmt_t(overall.recommend_at),
        "care_at": fmt_t(overall.care_at),
        "floor": fmt_t(overall.floor),
    }


def reliability_text(score: CompetencyScore) -> str:
    """The reliability as printed, with its 90% bootstrap interval when it is an empirical
    one (e.g. ``"0.81 (0.74–0.86)"``), or a dash when no figure of the test as delivered is
    available."""
    if score.reliability is None:
        return "–"
    text = fmt_reliability(score.reliability)
    if score.reliability_interval is None:
        return text
    low, high = score.reliability_interval
    return f"{text} ({fmt_reliability(low)}–{fmt_reliability(high)})"


def reliability_source_text(profile: CandidateProfile, words: LanguageWording) -> str:
    """The sentence saying where the printed reliability comes from (with the number of
    sessions for an empirical one)."""
    return words.profile.reliability_source.get(profile.reliability_source).format(
        n=profile.reliability_n
    )


def norm_basis_text(profile: CandidateProfile, words: LanguageWording) -> str:
    """The sentence saying whether the norm group was measured with the candidate's form."""
    form = getattr(words.form_names, profile.form)
    return words.profile.norm_basis.get(profile.norm_basis).format(form=form)


def quality_caveat(profile: CandidateProfile, words: LanguageWording) -> str | None:
    """The caution that the answers are not clearly more probable under the scoring model
    than under random picks (``OverallSummary.evidence_caveat``), whatever the band; None
    when it does not apply. While it applies, no "no concerns" sentence is printed."""
    return words.profile.evidence_caveat if profile.overall.evidence_caveat else None


def score_numbers(score: CompetencyScore) -> dict[str, str]:
    """A competency score's numbers as printed: T, its 90% interval, percentile with its 90%
    interval, SEM on the T scale and the reliability (with its interval, if any)."""
    pct_low, pct_high = fmt_percentile(score.percentile_low), fmt_percentile(score.percentile_high)
    return {
        "t": fmt_t(score.t_score),
        "interval": fmt_interval(score.t_low, score.t_high),
        "pct": fmt_percentile(score.percentile),
        "pct_interval": f"{pct_low}–{pct_high}",
        "sem": fmt_sem(score.t_se),
        "reliability": reliability_text(score),
    }


def overall_reason(
    profile: CandidateProfile, words: LanguageWording, names: Mapping[str, str]
) -> str:
    """The reason for the overall band: the rule that decided it, with the numbers.

    A competency below the floor is named even when the composite alone decided the band. A
    "review" names the raised data-quality flags instead (explained in the data-quality
    section): no band is decided, and the chart shows the low competencies.
    """
    overall = profile.overall
    low = low_competencies(profile, names)
    flags = ("、" if profile.language == "zh" else ", ").join(
        words.profile.flag_labels.get(flag) for flag in overall.flags
    )
    reason = words.profile.reasons.get(overall.reason).format(
        **overall_numbers(overall), names=low, flags=flags
    )
    if overall.below_floor and overall.reason not in ("floor", "review"):
        gap = "" if profile.language == "zh" else " "
        reason += gap + words.profile.below_floor.format(names=low)
    return reason


__all__ = [
    "low_competencies",
    "norm_basis_text",
    "overall_numbers",
    "overall_reason",
    "quality_caveat",
    "reliability_source_text",
    "reliability_text",
    "score_numbers",
]
