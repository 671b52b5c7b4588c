"""Item formats and their rules: what a candidate answers, how it is checked and scored.

Every rule that depends on an item's ``format`` lives here, one class per format, so the rest
of the code asks the format instead of branching on its name:

* ``best`` (:class:`BestFormat`): the candidate picks the most effective option; one scored
  part, the pick, whose scores are the credits.
* ``most_least`` (:class:`MostLeastFormat`): the candidate picks the most and a different least
  effective option; two scored parts (``<id>.most`` with the credits as scores, ``<id>.least``
  with highest credit − credit), answered together as one ordered pair (most, least) whose
  categories are those of :mod:`scoring.most_least`.

An answer is always ``(most, least)``: a ``best`` item's pick is ``most`` and ``least`` is None.
:meth:`ItemFormat.check_answer` returns a message key (:data:`ANSWER_MESSAGES`; the candidate
page translates the same keys) so the page, the delivery service, the engine and rescoring
apply one rule.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.most_least import pair_category, pair_codes, pair_options

MOST_SUFFIX = ".most"
LEAST_SUFFIX = ".least"

ANSWER_MESSAGES: dict[str, str] = {
    "choose_one": "choose one of the options shown",
    "choose_both": "choose a most and a different least effective option",
    "unknown_option": "choose one of the options shown",
    "single_choice": "this item takes a single choice, not a least effective one",
}
"""Message key of :meth:`ItemFormat.check_answer` → English explanation (for errors)."""


class ItemFormat(ABC):
    """The rules of one item format (stateless; one instance per format in :data:`FORMATS`)."""

    name: ClassVar[str]
    incomplete: ClassVar[str]
    """Message key of an answer without a most pick."""
    needs_unique_lowest_credit: ClassVar[bool]
    """Whether the content rules ask for a unique lowest credit (the key of a least pick)."""

    @abstractmethod
    def scored_parts(self) -> tuple[str, ...]:
        """Names of the picks a candidate makes, in answer order (``most`` first)."""

    @abstractmethod
    def scored_ids(self, item_id: str) -> tuple[str, ...]:
        """Ids of the scored items (data-file columns) of a bank item, one per part."""

    @abstractmethod
    def part_scores(self, credits: Sequence[float]) -> tuple[tuple[float, ...], ...]:
        """Option scores of each scored part from the option credits."""

    @abstractmethod
    def n_categories(self, n_options: int) -> int:
        """Number of answer categories of an item with ``n_options`` options."""

    @abstractmethod
    def answer_codes(self, option_ids: Sequence[str]) -> tuple[str, ...]:
        """Codes of the answer categories, in category order."""

    @abstractmethod
    def fits_one_column(self, joint: bool) -> bool:
        """Whether a model item under the bank item's own id can score it (``joint``: the
        model item has a joint most/least model)."""

    @abstractmethod
    def join_part_tables(self, tables: Sequence[FloatArray]) -> FloatArray:
        """log P of every answer category from each part's log P of every option (K, Q),
        parts treated as conditionally independent (not renormalised)."""

    @abstractmethod
    def answer_picks(self, category: IntArray, n_options: int) -> tuple[IntArray, IntArray]:
        """Most and least option positions of answer categories (-1: no least pick)."""

    def check_answer(
        self, option_ids: Sequence[str], most: str | None, least: str | None
    ) -> str | None:
        """Key in :data:`ANSWER_MESSAGES` of what is wrong with an answer, or None if valid."""
        if most is None:
            return self.incomplete
        if most not in option_ids or (least is not None and least not in option_ids):
            return "unknown_option"
        return self._check_least(most, least)

    @abstractmethod
    def _check_least(self, most: str, least: str | None) -> str | None: ...

    def answer_problem(
        self, item_id: str, option_ids: Sequence[str], most: str | None, least: str | None
    ) -> str | None:
        """What is wrong with an answer, naming the item and the picks, or None if valid."""
        key = self.check_answer(option_ids, most, least)
        if key is None:
            return None
        picks = f"most={most!r}" + (f", least={least!r}" if least is not None else "")
        return f"item {item_id} ({picks}): {ANSWER_MESSAGES[key]}"

    def answer_category(self, option_ids: Sequence[str], most: str, least: str | None) -> int:
        """Answer category of a valid answer (check it with :meth:`check_answer` first)."""
        positions = [option_ids.index(pick) for pick in (most, least) if pick is not None]
        return self._category(positions, len(option_ids))

    @abstractmethod
    def _category(self, positions: list[int], n_options: int) -> int: ...

    def answer_code(self, option_ids: Sequence[str], most: str, least: str | None) -> str:
        """Code of a valid answer's category (:meth:`answer_codes`)."""
        return self.answer_codes(option_ids)[self.answer_category(option_ids, most, least)]

    def scored_responses(self, item_id: str, most: str, least: str | None) -> dict[str, str]:
        """Scored item id → option picked, for a valid answer."""
        picks = [pick for pick in (most, least) if pick is not None]
        return dict(zip(self.scored_ids(item_id), picks, strict=True))


class BestFormat(ItemFormat):
    """The candidate picks the most effective response."""

    name = "best"
    incomplete = "choose_one"
    needs_unique_lowest_credit = False

    def scored_parts(self) -> tuple[str, ...]:
        return ("best",)

    def scored_ids(self, item_id: str) -> tuple[str, ...]:
        return (item_id,)

    def part_scores(self, credits: Sequence[float]) -> tuple[tuple[float, ...], ...]:
        return (tuple(credits),)

    def n_categories(self, n_options: int) -> int:
        return n_options

    def answer_codes(self, option_ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(option_ids)

    def fits_one_column(self, joint: bool) -> bool:
        return True

    def join_part_tables(self, tables: Sequence[FloatArray]) -> FloatArray:
        (table,) = tables
        return table

    def answer_picks(self, category: IntArray, n_options: int) -> tuple[IntArray, IntArray]:
        category = np.asarray(category, dtype=np.int64)
        return category, np.full_like(category, -1)

    def _check_least(self, most: str, least: str | None) -> str | None:
        return "single_choice" if least is not None else None

    def _category(self, positions: list[int], n_options: int) -> int:
        return positions[0]


class MostLeastFormat(ItemFormat):
    """The candidate picks the most and a different least effective response."""

    name = "most_least"
    incomplete = "choose_both"
    needs_unique_lowest_credit = True

    def scored_parts(self) -> tuple[str, ...]:
        return ("most", "least")

    def scored_ids(self, item_id: str) -> tuple[str, ...]:
        return (item_id + MOST_SUFFIX, item_id + LEAST_SUFFIX)

    def part_scores(self, credits: Sequence[float]) -> tuple[tuple[float, ...], ...]:
        top = max(credits)
        return (tuple(credits), tuple(top - credit for credit in credits))

    def n_categories(self, n_options: int) -> int:
        return n_options * (n_options - 1)

    def answer_codes(self, option_ids: Sequence[str]) -> tuple[str, ...]:
        return pair_codes(option_ids)

    def fits_one_column(self, joint: bool) -> bool:
        return joint

    def join_part_tables(self, tables: Sequence[FloatArray]) -> FloatArray:
        most, least = tables
        most_idx, least_idx = pair_options(most.shape[0])
        return most[most_idx] + least[least_idx]

    def answer_picks(self, category: IntArray, n_options: int) -> tuple[IntArray, IntArray]:
        most_idx, least_idx = pair_options(n_options)
        return most_idx[category], least_idx[category]

    def _check_least(self, most: str, least: str | None) -> str | None:
        return "choose_both" if least is None or least == most else None

    def _category(self, positions: list[int], n_options: int) -> int:
        most, least = positions
        return int(pair_category(np.array([most]), np.array([least]), n_options)[0])


FORMATS: dict[str, ItemFormat] = {rules.name: rules for rules in (BestFormat(), MostLeastFormat())}
"""Item format name (the ``format`` field of an item file) → its rules."""


def item_format(name: str) -> ItemFormat:
    """The rules of the item format ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(
            f"unknown item format {name!r}; expected one of {', '.join(FORMATS)}"
        ) from None
