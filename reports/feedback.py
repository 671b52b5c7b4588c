"""The candidate-facing feedback report: encouraging, plain language, no scores or norms.

Per competency it shows a plain-language level (three steps), what the quality means, and two
development tips from ``items/competencies.yaml``. It prints no T-scores, percentiles or other
comparisons with other people. When the recruiter's profile says the result must be reviewed
before use (``assessed``), it gives no level at all: a level would describe chance, not the
candidate.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from items.models import CompetencyDefinition
from reports.formatting import fmt_date
from reports.linebreak import KinsokuParagraph
from reports.profile import Band, CandidateProfile
from reports.render import default_definitions, page_furniture
from reports.story import NAME_MAX_CHARS, bullets, definitions_by_id, section
from reports.styles import (
    ACCENT,
    NORM_BAND,
    PANEL,
    RULE,
    ReportStyles,
    clean_text,
    get_styles,
)
from reports.templates import FRAME_WIDTH, build_pdf
from reports.wording import LanguageWording, Wording, load_wording

N_TIPS = 2


def assessed(profile: CandidateProfile) -> bool:
    """Whether the feedback report may give the candidate levels: not when the profile's
    overall result is "review" (``RoleProfile.summarise_values``), i.e. the session raised a
    data-quality flag: too fast, same-position run, misfit, answers that cannot be told apart
    from random picking, or incomplete (which covers a test ended before every competency had
    its items; a completed adaptive test gives each at least ``min_items_per_competency``).
    The report takes this decision from the profile, not a rule of its own, so the two never
    disagree."""
    return profile.overall.band != "review"


def not_assessed_reasons(profile: CandidateProfile) -> tuple[str, ...]:
    """Why the feedback report gives no levels: the raised data-quality flag keys
    (``QUALITY_FLAGS`` order; empty when ``assessed``)."""
    return () if assessed(profile) else profile.overall.flags


LEVEL_STEPS: dict[str, int] = {"low": 1, "typical": 2, "high": 3}


def level_meter(band: Band | None, width: float = 54.0, height: float = 7.0) -> Drawing:
    """Three segments, as many filled as the level's step (1 to 3; none without a level)."""
    drawing = Drawing(width, height)
    gap = 3.0
    segment = (width - 2 * gap) / 3
    filled = 0 if band is None else LEVEL_STEPS[band]
    for step in range(3):
        fill = ACCENT if step < filled else NORM_BAND
        drawing.add(
            Rect(
                step * (segment + gap),
                0,
                segment,
                height,
                rx=2,
                ry=2,
                fillColor=fill,
                strokeColor=None,
            )
        )
    return drawing


def _competency_part(
    profile: CandidateProfile,
    definition: CompetencyDefinition,
    band: Band | None,
    words: LanguageWording,
    styles: ReportStyles,
) -> Flowable:
    """One competency: name, level meter and level (``band`` None: not assessed), what the
    quality means, what the level says, and the tips."""
    lang = profile.language
    fb = words.feedback
    level = fb.not_assessed if band is None else getattr(fb.levels, band)
    level_text = fb.not_assessed_text if band is None else getattr(fb.level_text, band)
    level_style = styles["question_target"].clone("level", leftIndent=0, fontSize=9)
    head = Table(
        [
            [
                KinsokuParagraph(styles.markup(definition.name.get(lang)), styles["heading"]),
                level_meter(band),
                KinsokuParagraph(styles.markup(level), level_style),
            ]
        ],
        colWidths=[FRAME_WIDTH - 62 - 120, 62, 120],
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ]
        )
    )
    tips = [tip.get(lang) for tip in definition.development_tips[:N_TIPS]]
    return KeepTogether(
        [
            Spacer(1, 8),
            head,
            Spacer(1, 4),
            KinsokuParagraph(styles.markup(definition.definition.get(lang)), styles["definition"]),
            KinsokuParagraph(styles.markup(level_text), styles["body"]),
            KinsokuParagraph(styles.markup(words.feedback.tips), styles["list_label"]),
            *bullets(styles, tips),
        ]
    )


def build_feedback_story(
    profile: CandidateProfile,
    definitions: Sequence[CompetencyDefinition],
    wording: Wording,
) -> list[Flowable]:
    """The flowables of the feedback report, in the profile's language."""
    styles = get_styles(profile.language)
    words = wording.get(profile.language)
    by_id = definitions_by_id(definitions)
    fb = words.feedback
    levels = assessed(profile)
    intro = fb.intro if levels else fb.intro_not_assessed
    banner = Table(
        [
            [
                [
                    KinsokuParagraph(
                        styles.markup(
                            fb.greeting.format(
                                name=clean_text(profile.candidate_name, NAME_MAX_CHARS)
                            )
                        ),
                        styles["value"],
                    ),
                    Spacer(1, 4),
                    KinsokuParagraph(styles.markup(intro), styles["banner_text"]),
                    Spacer(1, 3),
                    KinsokuParagraph(
                        styles.markup(
                            fb.date.format(date=fmt_date(profile.test_date, profile.language))
                        ),
                        styles["banner_note"],
                    ),
                ]
            ]
        ],
        colWidths=[FRAME_WIDTH],
    )
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    story: list[Flowable] = [
        KinsokuParagraph(styles.markup(fb.title), styles["title"]),
        KinsokuParagraph(styles.markup(fb.subtitle), styles["subtitle"]),
        banner,
    ]
    for score in profile.scores:
        definition = by_id[score.competency_id]
        band = score.band if levels else None
        story.append(_competency_part(profile, definition, band, words, styles))
    story.append(
        KeepTogether(
            [
                *section(styles, "about", fb.closing_title),
                KinsokuParagraph(styles.markup(fb.closing), styles["body"]),
            ]
        )
    )
    return story


def render_feedback_pdf(
    profile: CandidateProfile,
    *,
    definitions: Sequence[CompetencyDefinition] | None = None,
    wording: Wording | None = None,
    invariant: bool = True,
) -> bytes:
    """The candidate-facing feedback report as A4 PDF bytes (English or Chinese)."""
    definitions = definitions if definitions is not None else default_definitions()
    wording = wording if wording is not None else load_wording()
    words = wording.get(profile.language)
    story = build_feedback_story(profile, definitions, wording)
    furniture = page_furniture(profile, words, words.feedback)
    return build_pdf(story, furniture, title=words.feedback.title, invariant=invariant)
