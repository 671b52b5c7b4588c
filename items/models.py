"""Strict pydantic models of item-bank content: one item file, one competency definition.

Every model forbids unknown keys and is frozen, so a typo in an item file is an error rather
than a silently ignored field, and a loaded bank cannot be changed by accident.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
    """One response option with its subject-matter-expert effectiveness rating (credit).

    Credit: 0 = counterproductive, 1 = poor, 2 = acceptable, 3 = best practice.
    """

    id: Literal["A", "B", "C", "D"]
    text: Text
    credit: Annotated[int, Field(ge=0, le=3)]
    rationale: Text


class _ItemBase(StrictModel):
    id: ItemId
    competency: Competency
    setting: Setting
    source: Source
    scenario: Text
    options: Annotated[tuple[Option, ...], Field(min_length=4, max_length=4)]

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


class BestItem(_ItemBase):
    """The candidate picks the most effective response."""

    format: Literal["best"]


class MostLeastItem(_ItemBase):
    """The candidate picks the most and the least effective response.

    Scoring treats the two picks as two responses to the same scenario (see
    ``items.scoring_map``): the "most" pick and the "least" pick.
    """

    format: Literal["most_least"]


Item = Annotated[BestItem | MostLeastItem, Field(discriminator="format")]


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
