"""Why a profile's overall summary is what it is, in words (for the PDF and the screen alike).

Pure: plain values in, a sentence out; the wording comes from ``reports/wording.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reports.formatting import fmt_t
from reports.profile import CandidateProfile
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


def overall_reason(
    profile: CandidateProfile, words: LanguageWording, names: Mapping[str, str]
) -> str:
    """The reason for the overall band: the rule that decided it, with the numbers.

    A competency below the floor is named even when the composite alone decided the band.
    """
    overall = profile.overall
    low = low_competencies(profile, names)
    reason = words.profile.reasons.get(overall.reason).format(
        t=fmt_t(overall.composite_t),
        recommend_at=fmt_t(overall.recommend_at),
        care_at=fmt_t(overall.care_at),
        floor=fmt_t(overall.floor),
        names=low,
    )
    if overall.below_floor and overall.reason != "floor":
        gap = "" if profile.language == "zh" else " "
        reason += gap + words.profile.below_floor.format(names=low)
    return reason


__all__ = ["low_competencies", "overall_reason"]
