"""Chinese reports written for Chinese readers: line breaking, no English, names, pronouns,
pages, and the labelling of the reliability in the technical note."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from items import COMPETENCIES, CompetencyDefinition
from reports.feedback import render_feedback_pdf
from reports.linebreak import NO_LINE_END, NO_LINE_START, KinsokuParagraph
from reports.profile import QUALITY_FLAGS, CandidateProfile, RoleProfile
from reports.render import render_profile_pdf
from reports.story import StoryParts, technical_block
from reports.styles import get_styles
from reports.wording import Wording
from scoring.norms import NormTable
from tests.reports.conftest import pdf_text, requires_pdftotext, story_text

MakeProfile = Callable[..., CandidateProfile]

QUESTIONS = (
    "请讲一次客户要求您对一件您没有把握的事打包票的经历，比如送达日期。您具体是怎么回答的？"
    "客户有什么反应？您从中有什么收获吗？常模组“模拟常模组（合成数据）”（5000 人）为参照；"
    "模型版本 gpcm-2026.11-r2，信度 0.91，T 40–60。《规定》：请注意！"
)
LATIN = re.compile(r"[A-Za-z]+")
IDS = {c: c for c in COMPETENCIES}


def line_texts(paragraph: Paragraph, width: float) -> list[str]:
    """The lines a paragraph is broken into at ``width`` points."""
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return ["".join(words) for _, words in lines]
    return ["".join(frag.text for frag in line.words) for line in lines]


def problems(lines: list[str]) -> list[str]:
    found = [f"starts with {line[0]!r}: {line}" for line in lines if line[0] in NO_LINE_START]
    found += [f"ends with {line[-1]!r}: {line}" for line in lines if line[-1] in NO_LINE_END]
    return found


def zh_style() -> ParagraphStyle:
    return get_styles("zh")["body"]


@pytest.mark.parametrize("width", range(40, 420, 3))
def test_kinsoku_lines_never_start_with_closing_or_end_with_opening_punctuation(
    width: int,
) -> None:
    lines = line_texts(KinsokuParagraph(QUESTIONS, zh_style()), width)
    assert problems(lines) == []
    assert "".join(lines).replace(" ", "") == QUESTIONS.replace(" ", "")  # nothing lost
    for word in ("gpcm-2026.11-r2", "0.91", "40–60"):  # Latin runs and numbers stay whole
        if width > 120:
            assert any(word in line for line in lines), (word, lines)


def test_the_check_finds_what_plain_reportlab_wrapping_does_wrong() -> None:
    """reportlab's own CJK wrapping lets "？" and "，" start a line at some widths."""
    plain = [problems(line_texts(Paragraph(QUESTIONS, zh_style()), w)) for w in range(40, 420, 3)]
    assert any(plain)


def test_a_word_wider_than_the_line_is_still_broken() -> None:
    lines = line_texts(KinsokuParagraph("编号 " + "X" * 80 + " 结束", zh_style()), 100)
    assert "".join(lines).replace(" ", "") == "编号" + "X" * 80 + "结束"
    assert len(lines) > 3


def test_english_paragraphs_wrap_as_before() -> None:
    style = get_styles("en")["body"]
    text = "Ask for one specific situation, what the candidate did and what happened. " * 4
    assert line_texts(KinsokuParagraph(text, style), 200) == line_texts(Paragraph(text, style), 200)


# ------------------------------------------------------------------ names and words
@pytest.fixture(scope="module")
def named_norms() -> dict[str, NormTable]:
    rng = np.random.default_rng(7)
    return {
        c: NormTable.from_estimates(
            rng.normal(0.0, 1.0, 2000), "applicants 2026", {"zh": "2026 年应聘者"}
        )
        for c in COMPETENCIES
    }


def zh_profile(make_profile: MakeProfile, norms: dict[str, NormTable], **overrides: object):
    inputs: dict[str, object] = {
        "language": "zh",
        "candidate_name": "陈美玲",
        "position": "在线客服",
        "norms": norms,
        "flags": list(QUALITY_FLAGS),
    }
    inputs.update(overrides)
    return make_profile(**inputs)


def test_role_and_norm_group_names_are_bilingual(
    make_profile: MakeProfile, named_norms: dict[str, NormTable]
) -> None:
    zh = zh_profile(make_profile, named_norms)
    en = zh_profile(make_profile, named_norms, language="en")
    assert (zh.overall.role_name, en.overall.role_name) == (
        "客户服务岗位",
        "Customer-service agent",
    )
    assert (zh.norm_group, en.norm_group) == ("2026 年应聘者", "applicants 2026")
    custom = RoleProfile(name="Chat agent")  # a plain name is used in both languages
    assert zh_profile(make_profile, named_norms, role=custom).overall.role_name == "Chat agent"
    restored = NormTable.from_dict(named_norms["empathy"].to_dict())
    assert restored.name("zh") == "2026 年应聘者"
    assert restored.name("en") == "applicants 2026"


@pytest.mark.parametrize(
    ("stored", "chinese"),
    [
        ("simulated norm group (synthetic, n=5000)", "模拟常模组（合成数据）"),
        ("calibration sample (responses.csv, n=812)", "校准样本（responses.csv）"),
        ("Contact centre 2025", "Contact centre 2025"),  # a name given by a person stays
    ],
)
def test_norm_groups_named_by_older_model_files_are_translated(
    make_profile: MakeProfile, stored: str, chinese: str
) -> None:
    rng = np.random.default_rng(3)
    norms = {c: NormTable.from_estimates(rng.normal(0.0, 1.0, 500), stored) for c in COMPETENCIES}
    assert zh_profile(make_profile, norms).norm_group == chinese


@requires_pdftotext
@pytest.mark.parametrize("render", [render_profile_pdf, render_feedback_pdf])
def test_chinese_pdfs_have_no_english_and_no_line_starts_with_closing_punctuation(
    make_profile: MakeProfile,
    named_norms: dict[str, NormTable],
    render: Callable[[CandidateProfile], bytes],
) -> None:
    profile = zh_profile(make_profile, named_norms)
    text = pdf_text(render(profile))
    allowed = {"T"}  # the T-score (T 分) is what Chinese readers call it
    for value in (profile.candidate_name, profile.candidate_id, profile.model_version):
        allowed |= set(LATIN.findall(value))
    assert set(LATIN.findall(text)) <= allowed, set(LATIN.findall(text)) - allowed
    starts = [line for line in text.splitlines() if line.strip()[:1] in NO_LINE_START]
    assert starts == []
    assert "他们" not in text
    assert "你" not in text  # the reader is addressed as 您 throughout


def test_level_texts_call_one_candidate_by_a_singular(
    definitions: tuple[CompetencyDefinition, ...],
) -> None:
    for definition in definitions:
        for band in ("low", "typical", "high"):
            text = getattr(definition.levels, band).zh
            assert "他们" not in text, (definition.id, band)
            assert "该候选人" in text, (definition.id, band)


# ---------------------------------------------------------------------------- pages
BAND_PATTERNS = {
    "typical": [0.0] * 5,
    "low": [-1.8] * 5,
    "high": [1.8] * 5,
    "mixed": [-1.8, 1.8, 0.0, -1.8, 1.8],
}


@requires_pdftotext
@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("pattern", list(BAND_PATTERNS))
@pytest.mark.parametrize("flags", [(), QUALITY_FLAGS])
def test_closing_sections_are_never_split_across_pages(
    make_profile: MakeProfile,
    named_norms: dict[str, NormTable],
    language: str,
    pattern: str,
    flags: tuple[str, ...],
) -> None:
    theta = dict(zip(COMPETENCIES, BAND_PATTERNS[pattern], strict=True))
    profile = zh_profile(
        make_profile, named_norms, language=language, theta=theta, flags=list(flags)
    )
    pages = pdf_text(render_profile_pdf(profile)).split("\f")[:-1]
    assert len(pages) <= 3
    technical, table_head, reliability, responsible = {
        "en": ("Technical note", "Competency", "Marginal reliability:", "Using this report"),
        "zh": ("技术说明", "胜任力 ", "测验边际信度：", "负责任地使用本报告"),
    }[language]
    (page,) = [p for p in pages if technical in p]
    assert page is pages[-1]
    assert responsible in page
    assert reliability in page
    table = page[page.index(technical) :]
    assert table_head in table
    assert len(re.findall(r"\n\s*\S.*?\s-?\d\.\d\d\s+\d\.\d\d\s+\d+\.\d\s+\d\.\d\d", table)) == 5
    assert len(pages[-1].split()) > 60  # the last page holds sections, not a remnant


# ------------------------------------------------------------------------ reliability
@requires_pdftotext
def test_the_reliability_is_labelled_as_the_tests_marginal_reliability(
    make_profile: MakeProfile, definitions: tuple[CompetencyDefinition, ...], wording: Wording
) -> None:
    profile = make_profile()
    header = story_text(technical_block(StoryParts.build(profile, definitions, wording)))
    assert "Marginal reliability (test)" in header.splitlines()
    text = " ".join(pdf_text(render_profile_pdf(profile)).split())
    assert (
        "Marginal reliability: the reliability of the test as delivered under model version "
        "gpcm-2026.11-r2, averaged over test takers. It describes the test, not this "
        "candidate's scores" in text
    )
    zh = make_profile(language="zh")
    assert "测验边际信度" in story_text(technical_block(StoryParts.build(zh, definitions, wording)))
    text = "".join(pdf_text(render_profile_pdf(zh)).split())
    assert "测验边际信度：模型版本gpcm-2026.11-r2下所施测测验的信度" in text
