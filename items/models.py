"""Strict pydantic models of item-bank content: one item file, one competency definition.

Every model forbids unknown keys and is frozen, so a typo in an item file is an error rather
than a silently ignored field, and a loaded bank cannot be changed by accident.
"""

from __future__ import annotations

import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from items.formats import FORMATS, ItemFormat

COMPETENCIES: tuple[str, ...] = (
    "service_orientation",
    "resilience",
    "composure",
    "empathy",
    "integrity",
)
"""Competency identifiers, in the order used by reports and score files."""

LANGUAGES: tuple[str, ...] = ("en", "zh")
OPTION_IDS: tuple[str, ...] = ("A", "B", "C", "D")
SOURCE_DOCUMENTS: tuple[str, ...] = (
    "000_2b81980348728084.txt",
    "001_c85d53aeda5d4222.txt",
    "002_a2f3a072831e82f7.txt",
    "003_8b90ed33ee5b09f7.txt",
    "004_00c67022969838ce.txt",
)

Competency = Literal["service_orientation", "resilience", "composure", "empathy", "integrity"]
Setting = Literal["phone", "chat", "counter", "field"]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[0-9]{3}$")]


class StrictModel(BaseModel):
    """Base for content models: unknown keys rejected, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(StrictModel):
    """A text in both languages of the test (English and Simplified Chinese)."""

    en: NonEmpty
    zh: NonEmpty

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` ("en" or "zh")."""
        return self.zh if lang == "zh" else self.en


class Source(StrictModel):
    """Where in the source documents the situation of an item comes from."""

    document: Literal[
        "000_2b81980348728084.txt",
        "001_c85d53aeda5d4222.txt",
        "002_a2f3a072831e82f7.txt",
        "003_8b90ed33ee5b09f7.txt",
        "004_00c67022969838ce.txt",
    ]
    section: NonEmpty


class Option(StrictModel):
    """One response option with its effectiveness credit.

    Credit: 0 = counterproductive, 1 = poor, 2 = acceptable, 3 = best practice. Who set the
    credits is the item's ``keying``: the authors' judgement unless an SME panel rated the item.
    """

    id: Literal["A", "B", "C", "D"]
    text: Text
    credit: Annotated[int, Field(ge=0, le=3)]
    rationale: Text


class Keying(StrictModel):
    """Where an item's credits come from.

    ``authors``: the item writers' judgement, grounded in the cited source passage (the state of
    every item until a panel has rated it). ``sme_panel``: consensus credits of a panel of subject
    matter experts who rated every option 1–7 (``sjt bank sme-import --apply``), with the panel's
    size, date and agreement: ICC(2,k) (Shrout & Fleiss 1979) over options × raters and the mean
    r_wg (James, Demaree & Wolf 1984) over the options.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"method": {"const": "sme_panel"}}},
            "then": {"required": ["method", "raters", "date", "icc2k", "rwg"]},
            "else": {
                "not": {
                    "anyOf": [{"required": [name]} for name in ("raters", "date", "icc2k", "rwg")]
                }
            },
        }
    )

    method: Literal["authors", "sme_panel"]
    raters: Annotated[int, Field(ge=2)] | None = None
    date: datetime.date | None = None
    icc2k: Annotated[float, Field(le=1.0)] | None = None
    rwg: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    note: NonEmpty | None = None

    @model_validator(mode="after")
    def _panel_fields(self) -> Keying:
        panel = ("raters", "date", "icc2k", "rwg")
        if self.method == "sme_panel":
            missing = [name for name in panel if getattr(self, name) is None]
            if missing:
                raise ValueError(f"an sme_panel keying needs {', '.join(missing)}")
        else:
            present = [name for name in panel if getattr(self, name) is not None]
            if present:
                raise ValueError(
                    f"{', '.join(present)} describe a panel; use method: sme_panel or remove them"
                )
        return self


AUTHORS_KEYING = Keying(method="authors")
"""The provenance of an item without a ``keying`` field."""


class _ItemBase(StrictModel):
    id: ItemId
    competency: Competency
    setting: Setting
    source: Source
    scenario: Text
    options: Annotated[tuple[Option, ...], Field(min_length=4, max_length=4)]
    keying: Keying | None = None
    """Provenance of the credits; absent means the authors' judgement (``AUTHORS_KEYING``)."""

    @property
    def key_provenance(self) -> Keying:
        """The keying of the item, the authors' judgement when the file records none."""
        return self.keying or AUTHORS_KEYING

    @property
    def sme_keyed(self) -> bool:
        """Whether a panel of subject matter experts rated the options (never assumed)."""
        return self.key_provenance.method == "sme_panel"

    @property
    def provenance_text(self) -> Text:
        """One sentence, in English and Chinese, saying where the key comes from."""
        keying = self.key_provenance
        if keying.method == "authors":
            return Text(
                en="Key: the authors' judgement, grounded in the cited source; "
                "not yet rated by a panel of subject matter experts.",
                zh="计分依据：编写者依据所引来源作出的判断，尚未经专家小组评定。",
            )
        return Text(
            en=f"Key: consensus of a panel of {keying.raters} subject matter experts "
            f"({keying.date}; ICC(2,k) = {keying.icc2k:.2f}, mean r_wg = {keying.rwg:.2f}).",
            zh=f"计分依据：{keying.raters} 位专家组成的评定小组的共识"
            f"（{keying.date}；ICC(2,k) = {keying.icc2k:.2f}，平均 r_wg = {keying.rwg:.2f}）。",
        )

    @property
    def best_option(self) -> Option:
        """The option with the highest credit (content rules make it unique)."""
        return max(self.options, key=lambda option: option.credit)

    @property
    def worst_option(self) -> Option:
        """The option with the lowest credit (unique for ``most_least`` items)."""
        return min(self.options, key=lambda option: option.credit)

    @property
    def credits(self) -> dict[str, int]:
        """Option id → SME credit."""
        return {option.id: option.credit for option in self.options}

    format_rules: ClassVar[ItemFormat]
    """The rules of the item's format (``items.formats``)."""

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Option ids in presentation order."""
        return tuple(option.id for option in self.options)

    def scored_parts(self) -> tuple[str, ...]:
        """The picks a candidate makes: ``("best",)`` or ``("most", "least")``."""
        return self.format_rules.scored_parts()

    def scored_ids(self) -> tuple[str, ...]:
        """Ids of the item's scored parts (data-file columns)."""
        return self.format_rules.scored_ids(self.id)

    def check_answer(self, most: str | None, least: str | None) -> str | None:
        """Message key (``items.formats.ANSWER_MESSAGES``) of a bad answer, None if valid."""
        return self.format_rules.check_answer(self.option_ids, most, least)

    def answer_code(self, most: str, least: str | None) -> str:
        """Code of a valid answer's category: the pick, or ``"<most>><least>"``."""
        return self.format_rules.answer_code(self.option_ids, most, least)

    def answer_problem(self, most: str | None, least: str | None) -> str | None:
        """What is wrong with an answer, naming the item and the picks, or None if valid."""
        return self.format_rules.answer_problem(self.id, self.option_ids, most, least)


class BestItem(_ItemBase):
    """The candidate picks the most effective response."""

    format: Literal["best"]
    format_rules: ClassVar[ItemFormat] = FORMATS["best"]


class MostLeastItem(_ItemBase):
    """The candidate picks the most and the least effective response.

    Scoring treats the two picks as two responses to the same scenario (see
    ``items.scoring_map``): the "most" pick and the "least" pick.
    """

    format: Literal["most_least"]
    format_rules: ClassVar[ItemFormat] = FORMATS["most_least"]


AnyItem = BestItem | MostLeastItem
"""An item of either format, as code handles it."""

Item = Annotated[AnyItem, Field(discriminator="format")]


class ItemFile(StrictModel):
    """The content of one file under ``items/bank/``: exactly one item."""

    item: Item


class LevelDescriptions(StrictModel):
    """What a low, typical and high score on a competency means, for reports."""

    low: Text
    typical: Text
    high: Text


class CompetencyDefinition(StrictModel):
    """One competency of the framework with the texts reports and feedback draw on."""

    id: Competency
    name: Text
    definition: Text
    levels: LevelDescriptions
    strengths: Annotated[tuple[Text, ...], Field(min_length=2)]
    watch_outs: Annotated[tuple[Text, ...], Field(min_length=2)]
    interview_questions: Annotated[tuple[Text, ...], Field(min_length=3)]
    development_tips: Annotated[tuple[Text, ...], Field(min_length=2)]


class CompetencyFile(StrictModel):
    """The file ``items/competencies.yaml``: all five competency definitions."""

    competencies: Annotated[tuple[CompetencyDefinition, ...], Field(min_length=5, max_length=5)]
