"""Rules of thumb a test-wise candidate could apply to the four options without the scenario's
meaning: pick the longest, the second-longest, the one most like the others, the one that
repeats the scenario's words.

Each rule scores every option of every item; the audit counts how often the top-scored option
is the key (ties split). A rule that finds the key in clearly more than a quarter of the items
is a cue that writers left in the wording: the length ranks because keys were trimmed to sit
just below the longest option, "most like the others" because the 2-credit option is often a
near-copy of the key, "scenario words" because the key is often the only option that uses a
fact the scenario plants in its last sentence. A leave-one-item-out text classifier does not
see these (they are relations between the options of one item, not words), so the audit runs
both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from items.models import AnyItem
from scoring.arrays import FloatArray

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_FUNCTION_WORDS = (
    "a an the and or to of in on for with at by is are be it this that you your he she him her "
    "his they them their we our i me my as from not no will can if so but"
)
_STOP_EN = frozenset(_FUNCTION_WORDS.split())


def text_length(text: str, lang: str) -> int:
    """Length as a reader perceives it: words (en) or non-space characters (zh)."""
    if lang == "zh":
        return len(re.sub(r"\s", "", text))
    return len(text.split())


def content_tokens(text: str, lang: str) -> frozenset[str]:
    """Content words without function words (en) or character pairs within Chinese runs (zh)."""
    if lang == "zh":
        return frozenset(
            run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)
        )
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP_EN)


def length_ranks(item: AnyItem, lang: str) -> list[int]:
    """Each option's length rank: 1 + the number of options strictly longer (1 = longest)."""
    lengths = [text_length(option.text.get(lang), lang) for option in item.options]
    return [1 + sum(other > own for other in lengths) for own in lengths]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def likeness_to_others(item: AnyItem, lang: str) -> list[float]:
    """Each option's summed Jaccard similarity of content tokens to the other three options."""
    tokens = [content_tokens(option.text.get(lang), lang) for option in item.options]
    return [
        sum(_jaccard(own, other) for j, other in enumerate(tokens) if j != i)
        for i, own in enumerate(tokens)
    ]


def scenario_words(item: AnyItem, lang: str) -> list[float]:
    """How many of the scenario's content tokens each option repeats."""
    scenario = content_tokens(item.scenario.get(lang), lang)
    return [
        float(len(content_tokens(option.text.get(lang), lang) & scenario))
        for option in item.options
    ]


def _rank_rule(rank: int) -> Callable[[AnyItem, str], list[float]]:
    """Options ranked from the long end (1, 2) or the short end (4, 3), so that ties count
    the way a candidate sees them: when three options are equally short, each is "the
    shortest" and none is "second-shortest"."""

    def rule(item: AnyItem, lang: str) -> list[float]:
        if rank <= 2:
            return [float(r == rank) for r in length_ranks(item, lang)]
        lengths = [text_length(option.text.get(lang), lang) for option in item.options]
        from_short = [1 + sum(other < own for other in lengths) for own in lengths]
        return [float(r == 5 - rank) for r in from_short]

    return rule


OptionScores = Callable[[AnyItem, str], Sequence[float]]

RANK_NAMES = {1: "longest", 2: "second_longest", 3: "second_shortest", 4: "shortest"}
"""The length ranks by name (rank 1 = the longest option)."""

RULES_OF_THUMB: dict[str, OptionScores] = {
    **{name: _rank_rule(rank) for rank, name in RANK_NAMES.items()},
    "most_like_others": likeness_to_others,
    "most_scenario_words": scenario_words,
}
"""Name → option scores; the rule picks the top-scored option of an item."""


def rule_scores(items: Sequence[AnyItem], lang: str, rule: str) -> FloatArray:
    """The scores of one rule for every option, item by item (shape ``4 * n_items``)."""
    score = RULES_OF_THUMB[rule]
    return np.array([value for item in items for value in score(item, lang)], dtype=float)
