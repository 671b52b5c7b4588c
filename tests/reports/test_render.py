"""Rendered PDFs: byte-identical twice, small, and what a reader sees matches the profile."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from items import COMPETENCIES, CompetencyDefinition
from reports.feedback import render_feedback_pdf
from reports.formatting import fmt_interval, fmt_percentile, fmt_t
from reports.profile import CandidateProfile
from reports.render import render_profile_pdf
from tests.reports.conftest import pdf_text, requires_pdftotext

MakeProfile = Callable[..., CandidateProfile]
MAX_BYTES = 200 * 1024
A4_MEDIABOX = b"/MediaBox [ 0 0 595.2756 841.8898 ]"
HOSTILE_NAMES = {
    "markup": "<b>bold</b> & <script>alert('x')</script>",
    "long": "Maximilian " * 30,
    "unbroken": "W" * 300,
    "rtl": "محمد بن سلمان שלום עליכם",
    "emoji": "Ana 😀👩\u200d💻🇨🇳 Lee",
    "controls": "Bob\x00\x07\u202eevil\u202c",
    "entities": "&amp; &lt; &#65; %s {name}",
}


def normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_two_renders_are_byte_identical(make_profile: MakeProfile, language: str) -> None:
    profile = make_profile(language=language, flags=["incomplete"])
    first, second = render_profile_pdf(profile), render_profile_pdf(profile)
    assert first == second
    assert first.startswith(b"%PDF-")
    assert A4_MEDIABOX in first
    assert render_feedback_pdf(profile) == render_feedback_pdf(profile)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pdfs_stay_under_200_kb(make_profile: MakeProfile, language: str) -> None:
    profile = make_profile(
        language=language, candidate_name="陈美玲 שלום Zoë", flags=["too_fast", "incomplete"]
    )
    assert len(render_profile_pdf(profile)) <= MAX_BYTES
    assert len(render_feedback_pdf(profile)) <= MAX_BYTES


def test_chinese_font_is_embedded_as_a_subset(make_profile: MakeProfile) -> None:
    pdf = render_profile_pdf(make_profile(language="zh"))
    assert b"/FontFile2" in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiZenHei", pdf)
    assert b"/ToUnicode" in pdf


@requires_pdftotext
def test_english_pdf_shows_the_t_scores_as_printed_in_the_profile(
    make_profile: MakeProfile,
) -> None:
    profile = make_profile(flags=["person_misfit"])
    text = pdf_text(render_profile_pdf(profile))
    names = dict(
        zip(
            COMPETENCIES,
            ["Service orientation", "Resilience", "Composure", "Empathy", "Integrity"],
            strict=True,
        )
    )
    for score in profile.scores:
        row = (
            rf"{names[score.competency_id]}\s+{fmt_t(score.t_score)}\s+"
            rf"{fmt_interval(score.t_low, score.t_high)}\s+{fmt_percentile(score.percentile)}\s+"
        )
        assert re.search(row, text), row
    assert "Interview with care" in text
    assert "Page 1 of 3" in text
    assert "Page 3 of 3" in text
    assert text.count("C-2026-00417") >= 4  # header block + running header on every page
    assert "CONFIDENTIAL" in text
    assert "Unusual answer pattern" in text
    flat = normalise(text)
    assert "must not be the sole basis for a hiring decision" in flat


@requires_pdftotext
def test_chinese_pdf_shows_chinese_headings_and_t_scores(make_profile: MakeProfile) -> None:
    profile = make_profile(language="zh", candidate_name="陈美玲", position="在线客服专员")
    text = pdf_text(render_profile_pdf(profile))
    for heading in (
        "候选人测评报告",
        "总体结论",
        "胜任力剖面图",
        "结果解读",
        "建议的面试问题",
        "作答质量",
        "技术说明",
        "负责任地使用本报告",
    ):
        assert heading in text
    assert "陈美玲" in text
    assert "在线客服专员" in text
    names = dict(
        zip(COMPETENCIES, ["服务导向", "抗挫折能力", "沉着应变", "同理心", "诚信"], strict=True)
    )
    for score in profile.scores:
        row = rf"{names[score.competency_id]}\s+{fmt_t(score.t_score)}\s+"
        assert re.search(row, text), row
    assert "第 1 页，共 3 页" in text


@requires_pdftotext
@pytest.mark.parametrize("language", ["en", "zh"])
def test_feedback_pdf_is_readable_and_shows_no_scores(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], language: str
) -> None:
    profile = make_profile(language=language)
    text = normalise(pdf_text(render_feedback_pdf(profile)))
    title = "Your feedback report" if language == "en" else "您的测评反馈报告"
    assert title in text
    for definition in definitions:
        assert definition.name.get(language) in text
        tip = normalise(definition.development_tips[0].get(language))
        assert tip[:20] in text
    assert not re.search(r"\bT \d\d\b", text)


@requires_pdftotext
@pytest.mark.parametrize("kind", sorted(HOSTILE_NAMES))
@pytest.mark.parametrize("language", ["en", "zh"])
def test_hostile_names_render_and_appear_literally(
    make_profile: MakeProfile, kind: str, language: str
) -> None:
    name = HOSTILE_NAMES[kind]
    profile = make_profile(language=language, candidate_name=name, position=name)
    pdf = render_profile_pdf(profile)
    feedback = render_feedback_pdf(profile)
    assert len(pdf) <= MAX_BYTES
    assert len(feedback) <= MAX_BYTES
    text = pdf_text(pdf)
    if kind == "markup":
        assert "<b>bold</b> & <script>alert('x')</script>" in text
        assert "&lt;" not in text
        assert "<b>bold</b> &" in pdf_text(feedback)
    elif kind == "entities":
        assert "&amp; &lt; &#65; %s {name}" in text
    elif kind == "rtl":
        assert "שלום עליכם" in text  # stored in visual order, extracted in logical order
        assert "محمد" in text
    elif kind == "emoji":
        assert re.search(r"Ana \ufffd Lee", text)
    elif kind == "controls":
        assert "Bob evil" in text
    elif kind == "unbroken":
        assert "W" * 30 in text
        assert "W" * 300 not in text.replace("\n", "")
        assert "…" in text
    elif kind == "long":
        assert "Maximilian Maximilian" in text
        assert "…" in text


@pytest.mark.slow
def test_rendering_is_fast_after_the_first_profile(make_profile: MakeProfile) -> None:
    profiles = [make_profile(language=lang) for lang in ("en", "zh")]
    for profile in profiles:
        render_profile_pdf(profile)  # fonts, styles and definitions are cached after this
    start = time.perf_counter()
    for _ in range(5):
        for profile in profiles:
            render_profile_pdf(profile)
    per_profile = (time.perf_counter() - start) / 10
    assert per_profile < 0.25  # generous bound for slow CI machines; typically ~35 ms
