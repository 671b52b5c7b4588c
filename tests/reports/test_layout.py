"""Page layout: no section heading is left alone at the foot of a page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reportlab.platypus import Flowable, Spacer, Table

from items import CompetencyDefinition
from reports.profile import CandidateProfile
from reports.render import page_furniture
from reports.story import build_story
from reports.templates import ReportDocTemplate, SectionHeading, build_pdf
from reports.wording import Wording

MakeProfile = Callable[..., CandidateProfile]
FILLER_STEP = 6  # points: a heading is orphaned only in a window some 20 points high


def drawn_pages(
    story: list[Flowable],
    profile: CandidateProfile,
    wording: Wording,
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple[int, Flowable]]:
    """(page, flowable) for every flowable as reportlab draws it."""
    drawn: list[tuple[int, Flowable]] = []
    after = ReportDocTemplate.afterFlowable

    def record(doc: ReportDocTemplate, flowable: Flowable) -> None:
        drawn.append((doc.page, flowable))
        after(doc, flowable)

    monkeypatch.setattr(ReportDocTemplate, "afterFlowable", record)
    words = wording.get(profile.language)
    build_pdf(story, page_furniture(profile, words, words.profile), title="t", invariant=True)
    return drawn


def orphaned_headings(drawn: list[tuple[int, Flowable]]) -> list[str]:
    """Headings whose first piece of content (after the rule and spacing) is on a later page."""
    orphans = []
    for index, (page, flowable) in enumerate(drawn):
        if not isinstance(flowable, SectionHeading):
            continue
        following = [
            p for p, f in drawn[index + 1 :] if not isinstance(f, Spacer | SectionHeading)
        ][1:]  # the first is the heading's rule
        if following and following[0] != page:
            orphans.append(f"{flowable.key} on page {page}")
    return orphans


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_heading_shares_its_page_with_the_sections_first_block(
    make_profile: MakeProfile,
    definitions: tuple[CompetencyDefinition, ...],
    wording: Wording,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    profile = make_profile(language=language, flags=["too_fast"])
    start = 3  # the header block; the filler pushes everything after it down the page
    problems = []
    for filler in range(0, 600, FILLER_STEP):
        story = build_story(profile, definitions, wording)  # a built story is spent
        shifted = [*story[:start], Spacer(1, filler), *story[start:]]
        drawn = drawn_pages(shifted, profile, wording, monkeypatch)
        assert any(isinstance(f, Table) for _, f in drawn)
        problems += [f"filler {filler}: {o}" for o in orphaned_headings(drawn)]
        monkeypatch.undo()
    assert problems == []
