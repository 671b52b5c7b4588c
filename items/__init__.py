"""Item content: the bilingual SJT item bank, its strict schema, loader and competency texts."""

from __future__ import annotations

from items.errors import ContentProblem, ItemBankError
from items.loader import ItemBank, load_bank, load_competencies
from items.models import (
    COMPETENCIES,
    LANGUAGES,
    BestItem,
    CompetencyDefinition,
    Item,
    Keying,
    MostLeastItem,
    Option,
    Text,
)
from items.rules import ContentRules

__all__ = [
    "COMPETENCIES",
    "LANGUAGES",
    "BestItem",
    "CompetencyDefinition",
    "ContentProblem",
    "ContentRules",
    "Item",
    "ItemBank",
    "ItemBankError",
    "Keying",
    "MostLeastItem",
    "Option",
    "Text",
    "load_bank",
    "load_competencies",
]
