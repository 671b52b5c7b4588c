"""The story has every section, and the numbers in it are the profile's computed values."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reportlab.platypus import Flowable

from items import COMPETENCIES, CompetencyDefinition
from reports.chart import ProfileChart
from reports.explain import overall_numbers, score_numbers
from reports.feedback import assessed, build_feedback_story, level_meter, not_assessed_reasons
from reports.formatting import (
    fmt_date,
    fmt_interval,
    fmt_sem,
    fmt_t,
)
from reports.profile import CandidateProfile, RoleProfile
from reports.story import build_story, interview_questions
from reports.templates import SectionHeading
from reports.wording import Wording
from scoring.norms import NormTable
from tests.reports.conftest import SE, THETA, flowable_texts, story_text, strong_inputs

MakeProfile = Callable[..., CandidateProfile]
SECTIONS = [
    "summary",
    "chart",
    "narratives",
    "interview",
    "quality",
    "technical",
    "responsible_use",
]


def sections(story: list[Flowable]) -> list[str]:
    return [item.key for item in walk(story) if isinstance(item, SectionHeading)]


def walk(story: list[Flowable]) -> list[Flowable]:
    """Every flowable of ``story``, inside ``KeepTogether`` blocks too, in order."""
    found: list[Flowable] = []
    for item in story:
        found.append(item)
        found.extend(walk(getattr(item, "_content", [])))
    return found


def expected_t(theta: float, table: NormTable) -> float:
    """T computed here, independently of the report code."""
    return 50.0 + 10.0 * (theta - table.mean) / table.sd


@pytest.fixture
def story(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> list[Flowable]:
    return build_story(make_profile(flags=["too_fast"]), definitions, wording)


def test_story_has_every_section_in_order(story: list[Flowable]) -> None:
    assert sections(story) == SECTIONS


def test_header_block_shows_candidate_and_test_details(story: list[Flowable]) -> None:
    text = story_text(story[:3])
    for expected in (
        "Candidate profile",
        "Mei-Ling Chen",
        "C-2026-00417",
        "Customer-service agent, online chat",
        "23 November 2026",
        "Adaptive, 28 items",
        "English",
        "gpcm-2026.11-r2",
    ):
        assert expected in text


def test_chart_prints_the_computed_t_scores_intervals_and_percentiles(
    story: list[Flowable], make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    charts = [item for item in walk(story) if isinstance(item, ProfileChart)]
    assert len(charts) == 1
    texts = charts[0].texts()
    profile = make_profile()
    for c in COMPETENCIES:
        table = norms[c]
        t = expected_t(THETA[c], table)
        half = 1.645 * 10.0 * SE[c] / table.sd
        assert fmt_t(t) in texts
        assert fmt_interval(t - half, t + half) in texts
        assert score_numbers(profile.score(c))["pct"] in texts
    assert [name for name, _, _ in charts[0].rows] == [
        "Service orientation",
        "Resilience",
        "Composure",
        "Empathy",
        "Integrity",
    ]
    assert texts.count("Lower") == 1
    assert texts.count("Higher") == 1


def test_summary_states_the_overall_band_and_composite(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile()
    text = story_text(build_story(profile, definitions, wording))
    overall = profile.overall
    assert overall.band == "with_care"
    assert "Interview with care" in text
    interval = f"90% interval {fmt_t(overall.composite_low)}–{fmt_t(overall.composite_high)}"
    assert f"composite T {fmt_t(overall.composite_t)}, {interval}" in text
    low = fmt_t(profile.score("composure").t_score)
    assert f"Composure (T {low})" in text  # the floor that capped the result, named


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_printed_rule_is_the_rule_that_decides_a_composite_between_the_cut_scores(
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
    language: str,
) -> None:
    # The summary printed "interview with care from T 42", but a composite between 42 and 50
    # with the delivered tests' intervals (9 T or wider) is always borderline: the printed
    # rule now says that the whole interval must lie on one side of the cut scores.
    words = wording.get(language).profile
    middle = {"theta": dict.fromkeys(COMPETENCIES, -0.05), "role": RoleProfile(floor=0.0)}
    usual = make_profile(**middle, language=language)
    precise = make_profile(**middle, language=language, se=dict.fromkeys(COMPETENCIES, 0.05))
    for profile in (usual, precise):
        assert 42 <= profile.overall.composite_t < 50
    assert usual.overall.composite_high - usual.overall.composite_low > 8
    assert usual.overall.band == "borderline"
    assert precise.overall.band == "with_care"  # reachable only with an interval under 8 T
    text = " ".join(story_text(build_story(usual, definitions, wording)).split())
    rule = words.composite.format(role=usual.overall.role_name, **overall_numbers(usual.overall))
    assert " ".join(rule.split()) in text
    stated = {
        "en": "borderline when it includes a cut score",
        "zh": "区间包含分界线时为临界",
    }
    assert stated[language] in rule
    assert f"T {fmt_t(usual.overall.floor)}" in rule


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_recommendation_withheld_for_weak_evidence_says_why_not_that_a_cut_is_straddled(
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
    language: str,
) -> None:
    strong = strong_inputs() | {"language": language}
    words = wording.get(language).profile
    weak = make_profile(**strong, evidence=RoleProfile().min_evidence - 1.0)
    text = story_text(build_story(weak, definitions, wording))
    assert weak.overall.band == "borderline"
    for expected in (words.overall.evidence, words.overall_text.evidence):
        assert " ".join(expected.split()) in " ".join(text.split())
    assert words.overall.borderline not in text  # the interval is far from every cut score
    assert " ".join(words.overall_text.borderline.split()) not in " ".join(text.split())
    straddling = make_profile(
        theta=dict.fromkeys(COMPETENCIES, 0.0), role=RoleProfile(floor=0.0), language=language
    )
    assert (straddling.overall.band, straddling.overall.reason) == ("borderline", "borderline")
    assert words.overall.borderline in story_text(build_story(straddling, definitions, wording))


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    ("theta", "floor", "band"),
    [(0.0, 0.0, "borderline"), (1.5, 90.0, "with_care"), (-0.6, 0.0, "not_a_match")],
)
def test_answers_close_to_random_picking_are_cautioned_whatever_the_band(
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
    language: str,
    theta: float,
    floor: float,
    band: str,
) -> None:
    # Random responders who escape every flag came out "Borderline" with "no concerns": the
    # weak evidence was only mentioned when it withheld a recommendation.
    words = wording.get(language).profile
    weak = make_profile(
        theta=dict.fromkeys(COMPETENCIES, theta), role=RoleProfile(floor=floor),
        language=language, evidence=RoleProfile().min_evidence - 1.0,
    )  # fmt: skip
    assert not weak.flags
    assert weak.overall.band == band
    assert weak.overall.low_evidence
    text = " ".join(story_text(build_story(weak, definitions, wording)).split())
    assert " ".join(words.evidence_caveat.split()) in text
    assert " ".join(words.quality_none.split()) not in text
    decisive = make_profile(
        theta=dict.fromkeys(COMPETENCIES, theta), role=RoleProfile(floor=floor),
        language=language, evidence=RoleProfile().min_evidence + 1.0,
    )  # fmt: skip
    text = " ".join(story_text(build_story(decisive, definitions, wording)).split())
    assert " ".join(words.evidence_caveat.split()) not in text
    assert " ".join(words.quality_none.split()) in text


def test_summary_puts_review_before_use_first_when_a_flag_is_raised(
    story: list[Flowable],
) -> None:
    text = story_text(story)
    assert text.index("Review before use: data quality") < text.index("Competency profile")
    assert "Too fast" in text[: text.index("Competency profile")]
    assert "understate" not in text


def test_narratives_show_level_text_and_strengths_or_watch_outs(
    story: list[Flowable], definitions: tuple[CompetencyDefinition, ...], make_profile: MakeProfile
) -> None:
    text = story_text(story)
    profile = make_profile()
    by_id = {d.id: d for d in definitions}
    for score in profile.scores:
        definition = by_id[score.competency_id]
        assert getattr(definition.levels, score.band).en in text
        assert definition.definition.en in text
    assert "Composure · Lower · T " + fmt_t(profile.score("composure").t_score) in text
    assert all(w.en in text for w in by_id["composure"].watch_outs)  # low
    assert all(s.en in text for s in by_id["integrity"].strengths)  # high
    assert not any(s.en in text for s in by_id["empathy"].strengths)  # typical: neither
    assert not any(w.en in text for w in by_id["empathy"].watch_outs)


def test_interview_questions_target_the_three_lowest_competencies(
    story: list[Flowable],
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    norms: dict[str, NormTable],
) -> None:
    lowest = sorted(COMPETENCIES, key=lambda c: expected_t(THETA[c], norms[c]))[:3]
    by_id = {d.id: d for d in definitions}
    pairs = interview_questions(make_profile(), by_id)
    assert [c for c, _ in pairs] == lowest
    text = story_text(story)
    for c in lowest:
        assert by_id[c].interview_questions[0].en in text
    assert sum(q.en in text for d in definitions for q in d.interview_questions) == 3


def test_quality_section_explains_flags_or_says_none(
    story: list[Flowable],
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
) -> None:
    assert wording.en.profile.flags.too_fast in story_text(story)
    assert wording.en.profile.quality_none not in story_text(story)
    clean = story_text(build_story(make_profile(), definitions, wording))
    assert wording.en.profile.quality_none in clean
    assert wording.en.profile.flags.too_fast not in clean


def test_technical_note_shows_norm_group_reliability_and_sem(
    story: list[Flowable], make_profile: MakeProfile, norms: dict[str, NormTable]
) -> None:
    text = story_text(story)
    profile = make_profile()
    assert "“Customer-service applicants 2026” (n = 2400)" in text
    assert "estimated by EAP under model version gpcm-2026.11-r2" in text
    for c in COMPETENCIES:
        assert score_numbers(profile.score(c))["reliability"] in text
        assert fmt_sem(10.0 * SE[c] / norms[c].sd) in text
    assert "must not be the sole basis for a hiring decision" in text
    assert "have a person review every decision" in text


def test_chinese_story_uses_chinese_wording_and_names(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile(language="zh", candidate_name="陈美玲")
    text = story_text(build_story(profile, definitions, wording))
    for expected in ("候选人测评报告", "总体结论", "胜任力剖面图", "建议的面试问题", "技术说明"):
        assert expected in text
    assert "沉着应变 · 偏低 · T " + fmt_t(profile.score("composure").t_score) in text
    assert fmt_date(profile.test_date, "zh") in text
    assert "自适应测验，28 题" in text


def test_user_text_is_escaped_in_paragraph_markup(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile(candidate_name="<b>bold</b> & <script>", position="R&D <i>")
    story = build_story(profile, definitions, wording)
    header = story[2]
    cell = header._cellvalues[0][0][1]
    assert cell.text == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;"
    assert "<b>bold</b> & <script>" in story_text(story)
    assert "R&D <i>" in story_text(story)


def test_feedback_story_has_levels_and_two_tips_but_no_scores(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile()
    text = story_text(build_feedback_story(profile, definitions, wording))
    assert "Dear Mei-Ling Chen," in text
    for definition in definitions:
        assert definition.development_tips[0].en in text
        assert definition.development_tips[1].en in text
        assert not any(tip.en in text for tip in definition.development_tips[2:])
    assert "Most room to grow" in text
    assert "A clear strength" in text
    for score in profile.scores:
        assert f"T {fmt_t(score.t_score)}" not in text
    assert "T-score" not in text
    assert "percentile" not in text.lower()
    assert "norm group" not in text.lower()


def test_level_meter_fills_one_segment_per_step() -> None:
    filled = [
        sum(shape.fillColor.hexval() != "0xdce6ef" for shape in level_meter(band).contents)
        for band in ("low", "typical", "high")
    ]
    assert filled == [1, 2, 3]


def test_text_helper_reaches_into_tables_and_drawings(story: list[Flowable]) -> None:
    assert "Percentile" in flowable_texts(story)


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({"flags": ["too_fast", "person_misfit"], "evidence": -6.5},
         ("too_fast", "person_misfit", "random_like")),
        ({"flags": ["too_fast", "incomplete"], "n_items": 2}, ("too_fast", "incomplete")),
        ({"evidence": -0.2}, ("random_like",)),  # at human speed: only the evidence flag
    ],
)  # fmt: skip
@pytest.mark.parametrize("language", ["en", "zh"])
def test_feedback_gives_no_levels_when_the_profile_says_review(
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
    overrides: dict[str, object],
    reasons: tuple[str, ...],
    language: str,
) -> None:
    """A random responder, a candidate who timed out after two items and one whose answers
    cannot be told apart from random picking: on the old code "A solid base" / "Your
    answers showed this quality in many situations" on competencies with no items at all. Now
    no level and no claim about the answers, on every competency."""
    profile = make_profile(language=language, **overrides)
    assert profile.overall.band == "review"
    assert not assessed(profile)
    assert not_assessed_reasons(profile) == reasons
    words = wording.get(language).feedback
    text = story_text(build_feedback_story(profile, definitions, wording))
    assert text.count(words.not_assessed) == len(COMPETENCIES)
    assert text.count(words.not_assessed_text) == len(COMPETENCIES)
    assert words.intro_not_assessed in text
    assert words.intro not in text
    for band in ("low", "typical", "high"):
        assert getattr(words.levels, band) not in text
        assert getattr(words.level_text, band) not in text
    assert "many situations" not in text
    assert "许多情境" not in text
    for definition in definitions:  # the qualities and the tips are still there
        assert definition.development_tips[0].get(language) in text


def test_feedback_of_an_unflagged_candidate_keeps_its_levels_and_claims_no_count(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile(evidence=20.0)
    assert assessed(profile)
    assert not_assessed_reasons(profile) == ()
    for language in ("en", "zh"):
        words = wording.get(language).feedback
        text = story_text(
            build_feedback_story(make_profile(evidence=20.0, language=language), definitions,
                                 wording)
        )  # fmt: skip
        assert words.not_assessed not in text
        assert words.intro in text
        assert "many situations" not in words.level_text.typical
        assert "许多" not in words.level_text.typical


def test_level_meter_without_a_level_fills_no_segment() -> None:
    assert all(shape.fillColor.hexval() == "0xdce6ef" for shape in level_meter(None).contents)
