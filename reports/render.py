"""Render a candidate profile to PDF bytes: profile → story → A4 pages."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from items.loader import load_competencies
from items.models import CompetencyDefinition
from reports.profile import CandidateProfile
from reports.story import build_story
from reports.styles import clean_text, get_styles
from reports.templates import PageFurniture, build_pdf
from reports.wording import (
    FeedbackWording,
    LanguageWording,
    ProfileWording,
    Wording,
    load_wording,
)


@functools.cache
def default_definitions() -> tuple[CompetencyDefinition, ...]:
    """The packaged competency definitions (loaded once per process)."""
    return load_competencies()


def render_profile_pdf(
    profile: CandidateProfile,
    *,
    definitions: Sequence[CompetencyDefinition] | None = None,
    wording: Wording | None = None,
    invariant: bool = True,
) -> bytes:
    """The recruiter-facing candidate profile as A4 PDF bytes.

    Parameters
    ----------
    definitions : sequence of CompetencyDefinition, optional
        Competency texts (default: ``items.load_competencies()``).
    wording : Wording, optional
        Report wording (default: the packaged ``reports/wording.yaml``).
    invariant : bool
        Fixed creation date and document id, so equal inputs give byte-identical PDFs.
    """
    definitions = definitions if definitions is not None else default_definitions()
    wording = wording if wording is not None else load_wording()
    words = wording.get(profile.language)
    story = build_story(profile, definitions, wording)
    title = f"{words.profile.title} · {clean_text(profile.candidate_id, 60)}"
    furniture = page_furniture(profile, words, words.profile)
    return build_pdf(story, furniture, title=title, invariant=invariant)


def page_furniture(
    profile: CandidateProfile, words: LanguageWording, report: ProfileWording | FeedbackWording
) -> PageFurniture:
    """What every page of ``report`` (profile or feedback wording) shows around its story."""
    return PageFurniture(
        running_header=report.running_header, footer=report.footer,
        confidential=words.confidential, page=words.page,
        candidate_id=profile.candidate_id, styles=get_styles(profile.language),
    )  # fmt: skip
