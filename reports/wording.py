"""Load the editable wording of the reports (``reports/wording.yaml``) into strict models.

Every string is plain text (it is escaped before it reaches the PDF). Templates use
``str.format`` placeholders; the loader checks each string uses only the placeholders the
report fills in, and reports every problem with its location in one ``WordingError``.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from reports.errors import WordingError

DEFAULT_WORDING = Path(__file__).resolve().parent / "wording.yaml"

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "page": frozenset({"page", "pages"}),
    "forms.adaptive": frozenset({"n_items"}),
    "forms.fixed": frozenset({"n_items"}),
    "profile.composite": frozenset(
        {
            "role",
            "t",
            "low",
            "high",
            "pct",
            "pct_low",
            "pct_high",
            "recommend_at",
            "care_at",
            "floor",
        }
    ),
    "profile.straddled": frozenset({"cut"}),
    "profile.below_floor": frozenset({"names"}),
    **{
        f"profile.reasons.{reason}": frozenset(
            {"t", "low", "high", "recommend_at", "care_at", "floor", "names", "flags"}
        )
        for reason in (
            "review",
            "borderline",
            "evidence",
            "recommended",
            "floor",
            "between",
            "below_care",
        )
    },
    "profile.chart.legend": frozenset({"low_cut", "high_cut"}),
    "profile.narrative_heading": frozenset({"name", "band", "t"}),
    "profile.interview_target": frozenset({"name", "t"}),
    "profile.technical": frozenset(
        {
            "method",
            "model_version",
            "n_items",
            "form",
            "norm_group",
            "norm_size",
            "low_cut",
            "high_cut",
        }
    ),
    "profile.reliability_note": frozenset({"model_version"}),
    "profile.reliability_note_unavailable": frozenset({"model_version"}),
    "profile.reliability_source.candidates": frozenset({"n"}),
    "profile.norm_basis.form": frozenset({"form"}),
    "feedback.greeting": frozenset({"name"}),
    "feedback.date": frozenset({"date"}),
}
"""Placeholders each template may use; every other string may use none."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Keyed(_Strict):
    def get(self, key: str) -> str:
        """The text of one key."""
        return str(getattr(self, key))


class Forms(_Strict):
    adaptive: str
    fixed: str


class Bands(_Strict):
    low: str
    typical: str
    high: str


class OverallBands(_Strict):
    """Headline (or lead text) of each overall band, of a review because the answers cannot
    be told apart from random picking, and of a borderline result whose answers are too close
    to random choice (``OverallSummary.headline``)."""

    review: str
    random_like: str
    recommended: str
    borderline: str
    with_care: str
    not_a_match: str
    evidence: str


class OverallReasons(_Keyed):
    """Why the overall band is what it is, one sentence per ``OverallSummary.reason``."""

    recommended: str
    floor: str
    between: str
    below_care: str
    review: str
    borderline: str
    evidence: str


class ReliabilitySources(_Strict):
    candidates: str
    simulation: str
    synthetic_simulation: str
    unavailable: str

    def get(self, key: str) -> str:
        """The sentence of one reliability source."""
        return str(getattr(self, key))


class CompositeBases(_Keyed):
    """What the composite's T and percentile refer to, one sentence per
    ``CandidateProfile.composite_basis``."""

    norm_group: str
    norm_group_latent_correlation: str


class NormBases(_Keyed):
    """Where the norm group's estimates come from relative to the candidate's form, one
    sentence per ``CandidateProfile.norm_basis`` (``{form}`` is the candidate's form)."""

    form: str
    other_form: str
    design_not_recorded: str


class ProfileLabels(_Strict):
    candidate: str
    candidate_id: str
    position: str
    test_date: str
    language: str
    form: str
    model_version: str


class ProfileSections(_Strict):
    summary: str
    chart: str
    narratives: str
    interview: str
    quality: str
    technical: str
    responsible_use: str


class ChartWording(_Strict):
    competency: str
    t: str
    interval: str
    percentile: str
    level: str
    axis: str
    legend: str


class FlagWording(_Keyed):
    too_fast: str
    same_position_run: str
    person_misfit: str
    random_like: str
    incomplete: str


class TechnicalColumns(_Strict):
    competency: str
    theta: str
    se: str
    sem: str
    reliability: str


class ProfileWording(_Strict):
    title: str
    subtitle: str
    running_header: str
    footer: str
    labels: ProfileLabels
    sections: ProfileSections
    overall: OverallBands
    overall_text: OverallBands
    composite: str
    straddled: str
    below_floor: str
    reasons: OverallReasons
    chart: ChartWording
    narrative_heading: str
    strengths: str
    watch_outs: str
    interview_intro: str
    interview_target: str
    quality_intro: str
    quality_none: str
    random_like_caveat: str
    """Heads the narratives when the answers cannot be told apart from random picking."""
    evidence_caveat: str
    """Replaces ``quality_none`` (and joins the flags) when the answers are not clearly more
    probable under the model than under random picks (``OverallSummary.evidence_caveat``)."""
    flags: FlagWording
    flag_labels: FlagWording
    """Each flag's short name (the start of its explanation in ``flags``)."""
    technical: str
    method_names: dict[str, str]
    reliability_source: ReliabilitySources
    composite_basis: CompositeBases
    norm_basis: NormBases
    technical_columns: TechnicalColumns
    reliability_note: str
    """Under the table when its reliabilities are those of the test as delivered."""
    reliability_note_unavailable: str
    """Under the table when no reliability of the test as delivered is available."""
    responsible_use: str


class FeedbackWording(_Strict):
    title: str
    subtitle: str
    running_header: str
    footer: str
    greeting: str
    intro: str
    levels: Bands
    level_text: Bands
    not_assessed: str
    """In place of a level when the test could not assess the candidate (``assessed``)."""
    not_assessed_text: str
    intro_not_assessed: str
    tips: str
    closing_title: str
    closing: str
    date: str


class LanguageNames(_Keyed):
    """The name of each test language, as the report's language writes it."""

    en: str
    zh: str


class LanguageWording(_Strict):
    """All wording of the reports in one language."""

    language_names: LanguageNames
    """Names of the languages a test can be taken in (the "Test language" field)."""
    confidential: str
    page: str
    forms: Forms
    form_names: Forms
    """The forms named in a sentence, without the candidate's number of items (the norm
    group's members answered other numbers of items on the adaptive test)."""
    bands: Bands
    profile: ProfileWording
    feedback: FeedbackWording


class Wording(_Strict):
    """The wording of the reports in English and Chinese."""

    en: LanguageWording
    zh: LanguageWording

    def get(self, lang: str) -> LanguageWording:
        """The wording in ``lang`` ("en" or "zh")."""
        return self.zh if lang == "zh" else self.en


def _strings(data: Any, path: str = "") -> list[tuple[str, str]]:
    """(dotted path, string) for every string in nested mappings."""
    if isinstance(data, str):
        return [(path, data)]
    if isinstance(data, dict):
        return [
            pair
            for key, value in data.items()
            for pair in _strings(value, f"{path}.{key}" if path else str(key))
        ]
    return []


def _placeholder_problems(lang: str, data: Any) -> list[str]:
    problems = []
    for path, text in _strings(data):
        allowed = PLACEHOLDERS.get(path, frozenset())
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as error:
            problems.append(f"{lang}.{path}: malformed template ({error})")
            continue
        if used - allowed:
            problems.append(
                f"{lang}.{path}: unknown placeholders {sorted(used - allowed)};"
                f" allowed: {sorted(allowed) or 'none'}"
            )
    return problems


def load_wording(path: str | Path | None = None) -> Wording:
    """Load and validate a wording file (default: the packaged ``reports/wording.yaml``).

    Raises
    ------
    WordingError
        The file is missing, is not YAML, lacks a key, has an unknown key or a template uses a
        placeholder the report does not fill in. All problems are listed.
    """
    if path is None:
        return _default_wording()
    return _load(Path(path))


@functools.cache
def _default_wording() -> Wording:
    return _load(DEFAULT_WORDING)


def _load(file: Path) -> Wording:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise WordingError(file.name, [f"cannot be read: {error}"]) from None
    if not isinstance(data, dict):
        raise WordingError(file.name, ["must be a mapping with keys 'en' and 'zh'"])
    problems: list[str] = []
    try:
        wording = Wording.model_validate(data)
    except ValidationError as error:
        problems.extend(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        wording = None
    for lang in ("en", "zh"):
        problems.extend(_placeholder_problems(lang, data.get(lang)))
    if problems or wording is None:
        raise WordingError(file.name, problems)
    return wording
