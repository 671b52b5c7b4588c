"""Item formats own their rules: picks, answer checks, scored parts and answer categories."""

from __future__ import annotations

from itertools import permutations
from typing import get_args

import numpy as np
import pytest

from app_pages.texts import TEXTS
from items import BestItem, ItemBank, MostLeastItem, load_bank
from items.formats import (
    ANSWER_MESSAGES,
    FORMATS,
    BestFormat,
    ItemFormat,
    MostLeastFormat,
    item_format,
)
from items.rules import ContentRules, check_item
from items.scoring_map import item_specs, scored_responses
from scoring.most_least import pair_codes

OPTIONS = ("A", "B", "C", "D")
BEST = FORMATS["best"]
MOST_LEAST = FORMATS["most_least"]
RULES = ContentRules()


@pytest.fixture(scope="module")
def bank() -> ItemBank:
    return load_bank()


def first(bank: ItemBank, kind: type[BestItem | MostLeastItem]) -> BestItem | MostLeastItem:
    return next(item for item in bank if isinstance(item, kind))


def test_the_registry_holds_one_format_per_item_model() -> None:
    discriminators = {
        get_args(model.model_fields["format"].annotation)[0] for model in (BestItem, MostLeastItem)
    }
    assert set(FORMATS) == discriminators
    assert isinstance(BestItem.format_rules, BestFormat)
    assert isinstance(MostLeastItem.format_rules, MostLeastFormat)
    assert all(rules.name == name for name, rules in FORMATS.items())


def test_an_unknown_format_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"'ranking'.*best, most_least"):
        item_format("ranking")


def test_scored_parts_name_the_picks_and_the_scored_columns(bank: ItemBank) -> None:
    best, most_least = first(bank, BestItem), first(bank, MostLeastItem)
    assert best.scored_parts() == ("best",)
    assert most_least.scored_parts() == ("most", "least")
    assert best.scored_ids() == (best.id,)
    assert most_least.scored_ids() == (most_least.id + ".most", most_least.id + ".least")


@pytest.mark.parametrize(
    ("rules", "most", "least", "key"),
    [
        (BEST, "A", None, None),
        (BEST, None, None, "choose_one"),
        (BEST, "E", None, "unknown_option"),
        (BEST, "A", "B", "single_choice"),
        (BEST, "A", "A", "single_choice"),
        (MOST_LEAST, "A", "B", None),
        (MOST_LEAST, "A", "A", "choose_both"),
        (MOST_LEAST, "A", None, "choose_both"),
        (MOST_LEAST, None, "B", "choose_both"),
        (MOST_LEAST, None, None, "choose_both"),
        (MOST_LEAST, "A", "E", "unknown_option"),
        (MOST_LEAST, "E", "A", "unknown_option"),
    ],
)
def test_check_answer_returns_the_message_key_of_a_bad_answer(
    rules: ItemFormat, most: str | None, least: str | None, key: str | None
) -> None:
    assert rules.check_answer(OPTIONS, most, least) == key


def test_every_answer_message_key_has_an_explanation_and_a_candidate_text() -> None:
    keys = {BEST.incomplete, MOST_LEAST.incomplete, "unknown_option", "single_choice"}
    assert keys == set(ANSWER_MESSAGES)
    for key in keys:
        assert set(TEXTS[key]) == {"en", "zh"}


def test_answer_problem_names_the_item_and_the_picks(bank: ItemBank) -> None:
    best, most_least = first(bank, BestItem), first(bank, MostLeastItem)
    assert best.answer_problem("A", None) is None
    assert best.answer_problem("A", "B") == (
        f"item {best.id} (most='A', least='B'): this item takes a single choice, "
        "not a least effective one"
    )
    assert most_least.answer_problem("C", None) == (
        f"item {most_least.id} (most='C'): choose a most and a different least effective option"
    )


def test_scored_responses_map_picks_to_scored_columns_and_refuse_bad_answers(
    bank: ItemBank,
) -> None:
    best, most_least = first(bank, BestItem), first(bank, MostLeastItem)
    assert scored_responses(best, "B", None) == {best.id: "B"}
    assert scored_responses(most_least, "B", "D") == {
        most_least.id + ".most": "B",
        most_least.id + ".least": "D",
    }
    for item, most, least, message in [
        (best, "A", "B", "single choice"),
        (most_least, "A", None, "different least"),
        (most_least, "A", "A", "different least"),
        (most_least, "A", "Z", "options shown"),
    ]:
        with pytest.raises(ValueError, match=f"item {item.id} .*{message}"):
            scored_responses(item, most, least)


def test_part_scores_reverse_the_credits_for_the_least_pick(bank: ItemBank) -> None:
    item = first(bank, MostLeastItem)
    credits = [float(option.credit) for option in item.options]
    specs = {spec.item_id: spec for spec in item_specs([item, first(bank, BestItem)])}
    assert specs[item.id + ".most"].scores == tuple(credits)
    assert specs[item.id + ".least"].scores == tuple(max(credits) - c for c in credits)
    assert BEST.part_scores(credits) == (tuple(credits),)


@pytest.mark.parametrize("rules", [BEST, MOST_LEAST], ids=lambda rules: rules.name)
def test_answer_categories_are_distinct_and_give_back_the_picks(rules: ItemFormat) -> None:
    answers = (
        [(most, None) for most in OPTIONS] if rules is BEST else list(permutations(OPTIONS, 2))
    )
    categories = [rules.answer_category(OPTIONS, most, least) for most, least in answers]
    assert sorted(categories) == list(range(rules.n_categories(len(OPTIONS))))
    assert len(rules.answer_codes(OPTIONS)) == rules.n_categories(len(OPTIONS))
    most_idx, least_idx = rules.answer_picks(np.array(categories), len(OPTIONS))
    assert [OPTIONS[k] for k in most_idx] == [most for most, _ in answers]
    assert [OPTIONS[k] if k >= 0 else None for k in least_idx] == [least for _, least in answers]


def test_a_most_least_answer_category_matches_its_pair_code() -> None:
    codes = pair_codes(OPTIONS)
    for most, least in permutations(OPTIONS, 2):
        assert codes[MOST_LEAST.answer_category(OPTIONS, most, least)] == f"{most}>{least}"


def test_answer_codes_name_the_picks(bank: ItemBank) -> None:
    assert first(bank, BestItem).answer_code("C", None) == "C"
    assert first(bank, MostLeastItem).answer_code("C", "A") == "C>A"


def test_part_tables_join_into_the_answer_table() -> None:
    rng = np.random.default_rng(7)
    most, least = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    joined = MOST_LEAST.join_part_tables([most, least])
    for a, b in permutations(range(4), 2):
        category = MOST_LEAST.answer_category(OPTIONS, OPTIONS[a], OPTIONS[b])
        np.testing.assert_array_equal(joined[category], most[a] + least[b])
    np.testing.assert_array_equal(BEST.join_part_tables([most]), most)


def test_only_a_joint_model_scores_a_most_least_item_in_one_column() -> None:
    assert MOST_LEAST.fits_one_column(joint=True)
    assert not MOST_LEAST.fits_one_column(joint=False)
    assert BEST.fits_one_column(joint=False)


def test_only_most_least_items_need_a_unique_lowest_credit(bank: ItemBank) -> None:
    problems = {}
    for kind in (BestItem, MostLeastItem):
        item = first(bank, kind)
        options = tuple(
            option.model_copy(update={"credit": credit})
            for option, credit in zip(item.options, (3, 2, 0, 0), strict=True)
        )
        problems[kind] = check_item(item.model_copy(update={"options": options}), "f", RULES)
    assert problems[BestItem] == []
    assert [p.message for p in problems[MostLeastItem]] == [
        "most_least item needs a unique lowest credit, got [3, 2, 0, 0]"
    ]
