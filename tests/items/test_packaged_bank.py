"""The packaged bank meets the content plan: size, coverage, formats and balance rules."""

from __future__ import annotations

from collections import Counter

from items import COMPETENCIES, ItemBank, load_competencies
from items.rules_of_thumb import length_ranks
from items.schema import SCHEMA_FILE, render_schema


def test_bank_has_at_least_60_items_and_12_per_competency(bank: ItemBank) -> None:
    counts = Counter(item.competency for item in bank)
    assert len(bank) >= 60
    assert {competency: counts[competency] >= 12 for competency in COMPETENCIES} == dict.fromkeys(
        COMPETENCIES, True
    )


def test_at_least_30_items_are_most_least(bank: ItemBank) -> None:
    assert sum(item.format == "most_least" for item in bank) >= 30


def test_every_setting_is_used_in_every_competency(bank: ItemBank) -> None:
    for competency in COMPETENCIES:
        settings = {item.setting for item in bank.by_competency(competency)}
        assert settings == {"phone", "chat", "counter", "field"}, competency


def test_best_option_position_is_balanced_within_each_competency(bank: ItemBank) -> None:
    for competency in COMPETENCIES:
        group = bank.by_competency(competency)
        positions = Counter(item.best_option.id for item in group)
        assert max(positions.values()) <= 0.4 * len(group), (competency, positions)


def test_no_length_rank_marks_the_best_or_the_least_effective_option(bank: ItemBank) -> None:
    """Neither the longest nor the second-longest (nor any other length rank) gives the key
    away: chance is a quarter of the items."""
    for lang in ("en", "zh"):
        best = Counter(
            length_ranks(item, lang)[item.options.index(item.best_option)] for item in bank
        )
        paired = [item for item in bank if item.format == "most_least"]
        least = Counter(
            length_ranks(item, lang)[item.options.index(item.worst_option)] for item in paired
        )
        assert max(best.values()) <= 0.32 * len(bank), (lang, best)
        assert max(least.values()) <= 0.32 * len(paired), (lang, least)


def test_every_item_credits_span_three_levels(bank: ItemBank) -> None:
    assert all(len({option.credit for option in item.options}) >= 3 for item in bank)


def test_every_item_records_its_source_document(bank: ItemBank) -> None:
    assert all(item.source.document.endswith(".txt") and item.source.section for item in bank)


def test_competency_definitions_cover_all_five_in_both_languages() -> None:
    definitions = load_competencies()
    assert tuple(definition.id for definition in definitions) == COMPETENCIES
    for definition in definitions:
        assert definition.levels.low.zh
        assert definition.levels.high.en
        assert len(definition.interview_questions) >= 3


def test_committed_json_schema_matches_the_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema(), (
        "items/schema/item.schema.json is stale: run `sjt bank schema`"
    )
