"""Content rules that span items: id uniqueness, key balance, key length, near-duplicate scenarios.

Single-item rules that pydantic cannot express (credit spread, unique key) live here too, so that
every rule of the item-writing guide is stated in one place.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from items.errors import ContentProblem
from items.models import LANGUAGES, OPTION_IDS, AnyItem, Text
from items.rules_of_thumb import RANK_NAMES, length_ranks

_CJK = re.compile(r"[\u4e00-\u9fff]")


class ContentRules(BaseModel):
    """Thresholds of the content rules; defaults are the item-writing guide's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_credit_levels: int = 3
    max_key_position_share: float = 0.40
    max_key_length_rank_share: float = 0.32
    """Most items in which the best (or a most/least item's least effective) option may hold
    any one length rank (longest, second-longest, ...): 25% is chance."""
    min_items_for_length_balance: int = 20
    """Fewer items (best, or most/least for the least effective option) than this are not
    checked for length ranks: a share of a handful of items cannot tell a cue from chance."""
    max_scenario_similarity: float = 0.6
    balance_rules: bool = True
    """Bank-wide balance rules (key position and key length); off for tiny test banks."""


def check_item(item: AnyItem, file: str, rules: ContentRules) -> list[ContentProblem]:
    """Rules about one item that the schema alone cannot express."""
    problems: list[ContentProblem] = []
    ids = tuple(option.id for option in item.options)
    if ids != OPTION_IDS:
        problems.append(
            ContentProblem(
                file, "item.options", f"option ids must be A, B, C, D in order, got {ids}"
            )
        )
    credits = [option.credit for option in item.options]
    if len(set(credits)) < rules.min_credit_levels:
        problems.append(
            ContentProblem(
                file,
                "item.options.credit",
                f"credits {credits} span {len(set(credits))} levels; "
                f"at least {rules.min_credit_levels} are required",
            )
        )
    if credits.count(max(credits)) > 1:
        problems.append(
            ContentProblem(file, "item.options.credit", f"the highest credit is shared: {credits}")
        )
    if item.format_rules.needs_unique_lowest_credit and credits.count(min(credits)) > 1:
        problems.append(
            ContentProblem(
                file,
                "item.options.credit",
                f"{item.format} item needs a unique lowest credit, got {credits}",
            )
        )
    for field, text in _texts(item):
        if not _CJK.search(text.zh):
            problems.append(
                ContentProblem(file, f"{field}.zh", "Chinese text has no Chinese characters")
            )
        if _CJK.search(text.en):
            problems.append(
                ContentProblem(file, f"{field}.en", "English text contains Chinese characters")
            )
    return problems


def _texts(item: AnyItem) -> list[tuple[str, Text]]:
    texts: list[tuple[str, Text]] = [("item.scenario", item.scenario)]
    for index, option in enumerate(item.options):
        texts.append((f"item.options.{index}.text", option.text))
        texts.append((f"item.options.{index}.rationale", option.rationale))
    return texts


def check_bank(
    items: Sequence[tuple[AnyItem, str]], rules: ContentRules, bank_name: str
) -> list[ContentProblem]:
    """Rules across items: duplicate ids, duplicate scenarios, key position and length balance.

    Parameters
    ----------
    items : sequence of (item, file)
        Every item that passed the schema, with its file relative to the bank.
    """
    problems: list[ContentProblem] = []
    files_by_id: dict[str, list[str]] = defaultdict(list)
    for item, file in items:
        files_by_id[item.id].append(file)
    for item_id, files in files_by_id.items():
        if len(files) > 1:
            for file in files:
                others = ", ".join(other for other in files if other != file)
                problems.append(
                    ContentProblem(file, "item.id", f"duplicate id {item_id!r} (also in {others})")
                )
    problems += _duplicate_scenarios(items, rules)
    if rules.balance_rules:
        problems += _key_balance(items, rules, bank_name)
    return problems


def _shingles(text: str, lang: str) -> frozenset[str]:
    """Word bigrams (English) or character bigrams (Chinese) of a normalised text."""
    cleaned = re.sub(r"\W+", " ", text.lower()).strip()
    if lang == "zh":
        chars = cleaned.replace(" ", "")
        return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))
    words = cleaned.split()
    return frozenset(" ".join(words[i : i + 2]) for i in range(len(words) - 1))


def _duplicate_scenarios(
    items: Sequence[tuple[AnyItem, str]], rules: ContentRules
) -> list[ContentProblem]:
    """Pairs of scenarios whose bigram sets overlap (Jaccard) more than the threshold."""
    problems: list[ContentProblem] = []
    for lang in LANGUAGES:
        shingles = [(_shingles(item.scenario.get(lang), lang), file) for item, file in items]
        for i, (set_a, file_a) in enumerate(shingles):
            for set_b, file_b in shingles[i + 1 :]:
                union = len(set_a | set_b)
                similarity = len(set_a & set_b) / union if union else 1.0
                if similarity > rules.max_scenario_similarity:
                    problems.append(
                        ContentProblem(
                            file_b,
                            f"item.scenario.{lang}",
                            f"scenario duplicates {file_a} ({similarity:.0%} of phrases shared)",
                        )
                    )
    return problems


def _key_balance(
    items: Sequence[tuple[AnyItem, str]], rules: ContentRules, bank_name: str
) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    by_competency: dict[str, list[AnyItem]] = defaultdict(list)
    for item, _ in items:
        by_competency[item.competency].append(item)
    for competency, group in sorted(by_competency.items()):
        positions = Counter(item.best_option.id for item in group)
        for position, count in sorted(positions.items()):
            if count > rules.max_key_position_share * len(group):
                problems.append(
                    ContentProblem(
                        f"{bank_name}/{competency}",
                        "key-position",
                        f"option {position} is the best option in {count} of {len(group)} "
                        f"{competency} items (more than {rules.max_key_position_share:.0%}); "
                        "move some keys to other positions",
                    )
                )
    if not items:
        return problems
    for lang in LANGUAGES:
        problems += _length_rank_balance(items, rules, bank_name, lang)
    return problems


def _length_rank_balance(
    items: Sequence[tuple[AnyItem, str]], rules: ContentRules, bank_name: str, lang: str
) -> list[ContentProblem]:
    """The best option (and a most/least item's least effective one) must not favour any length
    rank: keys trimmed to sit just below the longest option are as findable as long keys."""
    problems: list[ContentProblem] = []
    targets = {
        "best": [(item, item.best_option) for item, _ in items],
        "least effective": [
            (item, item.worst_option)
            for item, _ in items
            if item.format_rules.needs_unique_lowest_credit
        ],
    }
    for target, pairs in targets.items():
        if len(pairs) < rules.min_items_for_length_balance:
            continue
        ranks = Counter(
            length_ranks(item, lang)[item.options.index(option)] for item, option in pairs
        )
        for rank, count in sorted(ranks.items()):
            if count > rules.max_key_length_rank_share * len(pairs):
                name = RANK_NAMES[rank].replace("_", "-")
                problems.append(
                    ContentProblem(
                        bank_name,
                        f"key-length.{lang}",
                        f"the {target} option is the {name} ({lang}) in {count} of {len(pairs)} "
                        f"items (more than {rules.max_key_length_rank_share:.0%}); vary which "
                        "option is longest",
                    )
                )
    return problems
