"""The candidate profile as a reportlab story: a list of flowables built from a profile.

Every number printed comes from the ``CandidateProfile`` through ``reports.formatting``; every
text from the competency definitions or the wording file. All text passes through
``ReportStyles.markup``, which escapes it for Paragraph markup and picks a font that can show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from items.models import CompetencyDefinition
from reports.chart import ProfileChart
from reports.explain import (
    norm_basis_text,
    overall_numbers,
    overall_reason,
    quality_caveat,
    reliability_source_text,
    reliability_text,
)
from reports.formatting import (
    fmt_date,
    fmt_sem,
    fmt_t,
    fmt_theta,
)
from reports.linebreak import KinsokuParagraph
from reports.profile import CandidateProfile
from reports.styles import (
    INK,
    OVERALL_COLOURS,
    PANEL,
    RULE,
    ReportStyles,
    clean_text,
    get_styles,
)
from reports.templates import FRAME_WIDTH, SectionHeading
from reports.wording import LanguageWording, Wording

NAME_MAX_CHARS = 120
"""User-supplied names and positions longer than this are cut with an ellipsis."""
N_QUESTIONS = 3


def definitions_by_id(
    definitions: Sequence[CompetencyDefinition],
) -> dict[str, CompetencyDefinition]:
    """Competency definitions keyed by id."""
    return {definition.id: definition for definition in definitions}


@dataclass(frozen=True)
class StoryParts:
    """What every section of the profile is built from: the profile with its wording and
    styles, and the competency definitions (by id) and names in the profile's language."""

    profile: CandidateProfile
    words: LanguageWording
    styles: ReportStyles
    definitions: dict[str, CompetencyDefinition]
    names: dict[str, str]

    @classmethod
    def build(
        cls,
        profile: CandidateProfile,
        definitions: Sequence[CompetencyDefinition],
        wording: Wording,
    ) -> StoryParts:
        """The parts for ``profile`` in its own language."""
        by_id = definitions_by_id(definitions)
        names = {c: definition.name.get(profile.language) for c, definition in by_id.items()}
        return cls(
            profile, wording.get(profile.language), get_styles(profile.language), by_id, names
        )


def section(styles: ReportStyles, key: str, title: str) -> list[Flowable]:
    """A section heading (bookmarked) with a thin rule under it."""
    heading = SectionHeading(styles.markup(title), styles["section"], key)
    heading.title = clean_text(title)
    rule = Table([[""]], colWidths=[FRAME_WIDTH], rowHeights=[3])
    rule.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, -1), 0.6, RULE)]))
    rule.keepWithNext = 1  # type: ignore[attr-defined]
    return [heading, rule]


def section_of_blocks(
    heading: Sequence[Flowable], blocks: Sequence[Sequence[Flowable]]
) -> list[Flowable]:
    """A section whose blocks are each kept whole, with the heading on the first block's page.

    reportlab's ``keepWithNext`` cannot bind a flowable to a following ``KeepTogether``, so a
    heading followed by a block too tall for the rest of the page stood alone at its foot; the
    heading therefore goes inside the first block's ``KeepTogether``.
    """
    if not blocks:
        return list(heading)
    first, *rest = blocks
    return [KeepTogether([*heading, *first]), *(KeepTogether(list(block)) for block in rest)]


def bullets(styles: ReportStyles, texts: Sequence[str]) -> list[Flowable]:
    """A bulleted list of plain texts."""
    return [
        KinsokuParagraph(styles.markup(text), styles["bullet"], bulletText="•") for text in texts
    ]


def _cell(styles: ReportStyles, label: str, value: str, max_chars: int | None = None) -> list[Any]:
    return [
        KinsokuParagraph(styles.markup(label), styles["label"]),
        KinsokuParagraph(styles.markup(value, max_chars), styles["value"]),
    ]


def header_block(parts: StoryParts) -> list[Flowable]:
    """Title, subtitle and the panel of candidate and test details."""
    profile, words, styles = parts.profile, parts.words, parts.styles
    labels = words.profile.labels
    form = getattr(words.forms, profile.form).format(n_items=profile.n_items)
    data = [
        [
            _cell(styles, labels.candidate, profile.candidate_name, NAME_MAX_CHARS),
            "",
            _cell(styles, labels.candidate_id, profile.candidate_id, 60),
        ],
        [
            _cell(styles, labels.position, profile.position, NAME_MAX_CHARS),
            "",
            _cell(styles, labels.test_date, fmt_date(profile.test_date, profile.language)),
        ],
        [
            _cell(styles, labels.form, form),
            _cell(styles, labels.language, words.language_names.get(profile.tested_in)),
            _cell(styles, labels.model_version, profile.model_version, 60),
        ],
    ]
    width = FRAME_WIDTH / 3
    table = Table(data, colWidths=[width] * 3)
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (1, 0)),
                ("SPAN", (0, 1), (1, 1)),
                ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LINEBELOW", (0, 0), (-1, 1), 0.4, colors.white),
            ]
        )
    )
    return [
        KinsokuParagraph(styles.markup(words.profile.title), styles["title"]),
        KinsokuParagraph(styles.markup(words.profile.subtitle), styles["subtitle"]),
        table,
    ]


def summary_block(parts: StoryParts) -> list[Flowable]:
    """The overall summary band in a coloured panel."""
    profile, words, styles, names = parts.profile, parts.words, parts.styles, parts.names
    overall = profile.overall
    accent, background = OVERALL_COLOURS[overall.band]
    title_style = styles["banner_title"].clone("banner_title_band", textColor=accent)
    content: list[Flowable] = [
        KinsokuParagraph(
            styles.markup(getattr(words.profile.overall, overall.headline)), title_style
        ),
        Spacer(1, 2),
        KinsokuParagraph(
            styles.markup(getattr(words.profile.overall_text, overall.headline)),
            styles["banner_text"],
        ),
        Spacer(1, 3),
        KinsokuParagraph(
            styles.markup(
                words.profile.composite.format(
                    role=clean_text(overall.role_name, 80), **overall_numbers(overall)
                )
            ),
            styles["banner_note"],
        ),
    ]
    content.append(
        KinsokuParagraph(
            styles.markup(overall_reason(profile, words, names)), styles["banner_note"]
        )
    )
    caveat_text = quality_caveat(profile, words)
    if caveat_text is not None and overall.headline != "evidence":  # that headline says it
        content.append(KinsokuParagraph(styles.markup(caveat_text), styles["banner_note"]))
    table = Table([["", content]], colWidths=[5, FRAME_WIDTH - 5])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, 0), accent),
                ("BACKGROUND", (1, 0), (1, 0), background),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 12),
                ("RIGHTPADDING", (1, 0), (1, 0), 12),
                ("TOPPADDING", (1, 0), (1, 0), 9),
                ("BOTTOMPADDING", (1, 0), (1, 0), 10),
            ]
        )
    )
    heading = section(styles, "summary", words.profile.sections.summary)
    return [KeepTogether([*heading, Spacer(1, 4), table])]


def chart_block(parts: StoryParts) -> list[Flowable]:
    """The profile chart with its legend."""
    profile, words, styles, names = parts.profile, parts.words, parts.styles, parts.names
    c = words.profile.chart
    rows = [
        (names[score.competency_id], score, getattr(words.bands, score.band))
        for score in profile.scores
    ]
    chart = ProfileChart(FRAME_WIDTH, rows, profile.cuts, c, styles)
    legend = c.legend.format(
        low_cut=fmt_t(profile.cuts.low_below), high_cut=fmt_t(profile.cuts.high_above)
    )
    return [
        KeepTogether(
            [
                *section(styles, "chart", words.profile.sections.chart),
                Spacer(1, 4),
                chart,
                Spacer(1, 2),
                KinsokuParagraph(styles.markup(legend), styles["small"]),
            ]
        )
    ]


def narrative_block(parts: StoryParts) -> list[Flowable]:
    """Per competency: definition, the text for the candidate's level, strengths or watch-outs.

    The level text and the list are kept whole but apart, so a page may end between them and
    the section does not leave half a page empty before each competency that will not fit.
    """
    profile, words, styles = parts.profile, parts.words, parts.styles
    definitions, lang = parts.definitions, profile.language
    blocks: list[list[Flowable]] = []
    for score in profile.scores:
        definition = definitions[score.competency_id]
        heading = words.profile.narrative_heading.format(
            name=definition.name.get(lang),
            band=getattr(words.bands, score.band),
            t=fmt_t(score.t_score),
        )
        blocks.append(
            [
                KinsokuParagraph(styles.markup(heading), styles["heading"]),
                KinsokuParagraph(
                    styles.markup(definition.definition.get(lang)), styles["definition"]
                ),
                KinsokuParagraph(
                    styles.markup(getattr(definition.levels, score.band).get(lang)),
                    styles["body"],
                ),
            ]
        )
        listed = {
            "high": (words.profile.strengths, definition.strengths),
            "low": (words.profile.watch_outs, definition.watch_outs),
        }.get(score.band)
        if listed is not None:
            label, texts = listed
            blocks.append(
                [
                    KinsokuParagraph(styles.markup(label), styles["list_label"]),
                    *bullets(styles, [text.get(lang) for text in texts]),
                ]
            )
    return section_of_blocks(
        [*section(styles, "narratives", words.profile.sections.narratives), *caveat(parts)],
        blocks,
    )


def caveat(parts: StoryParts) -> list[Flowable]:
    """The warning that heads the narratives of a profile whose answers cannot be told apart
    from random picking (the texts describe the scores, not the person)."""
    if "random_like" not in parts.profile.flags:
        return []
    text = parts.styles.markup(parts.words.profile.random_like_caveat)
    return [KinsokuParagraph(text, parts.styles["body"])]


def interview_questions(
    profile: CandidateProfile, definitions: dict[str, CompetencyDefinition], n: int = N_QUESTIONS
) -> list[tuple[str, str]]:
    """(competency id, question) for the ``n`` lowest-scoring competencies, lowest first."""
    lang = profile.language
    return [(c, definitions[c].interview_questions[0].get(lang)) for c in profile.lowest(n)]


def interview_block(parts: StoryParts) -> list[Flowable]:
    """Three behavioural questions aimed at the lowest-scoring competencies."""
    profile, words, styles = parts.profile, parts.words, parts.styles
    definitions, lang = parts.definitions, profile.language
    heading = [
        *section(styles, "interview", words.profile.sections.interview),
        KinsokuParagraph(styles.markup(words.profile.interview_intro), styles["body"]),
    ]
    blocks: list[list[Flowable]] = []
    for number, (c, question) in enumerate(interview_questions(profile, definitions), start=1):
        target = words.profile.interview_target.format(
            name=definitions[c].name.get(lang), t=fmt_t(profile.score(c).t_score)
        )
        blocks.append(
            [
                KinsokuParagraph(styles.markup(target), styles["question_target"]),
                KinsokuParagraph(
                    styles.markup(question), styles["question"], bulletText=f"{number}."
                ),
            ]
        )
    return section_of_blocks(heading, blocks)


def quality_block(parts: StoryParts) -> list[Flowable]:
    """Data-quality flags with their explanations and the caution on answers close to random
    picking (``quality_caveat``), or, with neither, the "none" sentence."""
    profile, words, styles = parts.profile, parts.words, parts.styles
    story = section(styles, "quality", words.profile.sections.quality)
    caveat_text = quality_caveat(profile, words)
    if not profile.flags and caveat_text is None:
        story.append(KinsokuParagraph(styles.markup(words.profile.quality_none), styles["body"]))
    if profile.flags:
        story.append(KinsokuParagraph(styles.markup(words.profile.quality_intro), styles["body"]))
        story.extend(bullets(styles, [words.profile.flags.get(flag) for flag in profile.flags]))
    if caveat_text is not None:
        story.append(KinsokuParagraph(styles.markup(caveat_text), styles["body"]))
    return [KeepTogether(story)]


def technical_block(parts: StoryParts) -> list[Flowable]:
    """Norm group, method, model version and a table of reliability and SEM per competency."""
    profile, words, styles, names = parts.profile, parts.words, parts.styles, parts.names
    text = words.profile.technical.format(
        method=words.profile.method_names.get(profile.method, profile.method),
        model_version=clean_text(profile.model_version, 60),
        n_items=profile.n_items,
        form=getattr(words.forms, profile.form).format(n_items=profile.n_items),
        norm_group=clean_text(profile.norm_group, 80),
        norm_size=profile.norm_size,
        low_cut=fmt_t(profile.cuts.low_below),
        high_cut=fmt_t(profile.cuts.high_above),
    )
    text += " " + norm_basis_text(profile, words)
    text += " " + reliability_source_text(profile, words)
    text += " " + words.profile.composite_basis.get(profile.composite_basis)
    cols = words.profile.technical_columns
    head = [KinsokuParagraph(styles.markup(cols.competency), styles["cell_head"])] + [
        KinsokuParagraph(styles.markup(label), styles["cell_head_right"])
        for label in (cols.theta, cols.se, cols.sem, cols.reliability)
    ]
    rows: list[list[Any]] = [head]
    for score in profile.scores:
        rows.append(
            [
                names[score.competency_id],
                fmt_theta(score.theta),
                fmt_theta(score.se),
                fmt_sem(score.t_se),
                reliability_text(score),
            ]
        )
    first = FRAME_WIDTH * 0.3
    table = Table(rows, colWidths=[first] + [(FRAME_WIDTH - first) / 4] * 4, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, PANEL]),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, 1), (-1, -1), styles.font),
                ("FONTSIZE", (0, 1), (-1, -1), 8.5),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            ]
        )
    )
    note = (
        words.profile.reliability_note_unavailable
        if profile.reliability_source == "unavailable"
        else words.profile.reliability_note
    ).format(model_version=clean_text(profile.model_version, 60))
    return [
        *section(styles, "technical", words.profile.sections.technical),
        KinsokuParagraph(styles.markup(text), styles["note"]),
        Spacer(1, 5),
        table,
        Spacer(1, 3),
        KinsokuParagraph(styles.markup(note), styles["small"]),
    ]


def responsible_use_block(parts: StoryParts) -> list[Flowable]:
    """The note on responsible use, in a panel."""
    words, styles = parts.words, parts.styles
    note = Table(
        [[KinsokuParagraph(styles.markup(words.profile.responsible_use), styles["note"])]],
        colWidths=[FRAME_WIDTH],
    )
    note.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [*section(styles, "responsible_use", words.profile.sections.responsible_use), note]


def build_story(
    profile: CandidateProfile,
    definitions: Sequence[CompetencyDefinition],
    wording: Wording,
) -> list[Flowable]:
    """The flowables of a candidate profile, in the profile's language.

    Sections (``SectionHeading.key``): summary, chart, narratives, interview, quality,
    technical, responsible_use, after the header block; the last two are kept together.
    """
    parts = StoryParts.build(profile, definitions, wording)
    return [
        *header_block(parts),
        *summary_block(parts),
        *chart_block(parts),
        *narrative_block(parts),
        *interview_block(parts),
        *quality_block(parts),
        # the closing sections stay on one page: no page holds only a table's last rows or
        # only the note on responsible use (a KeepTogether must not contain another one)
        KeepTogether([*technical_block(parts), *responsible_use_block(parts)]),
    ]
