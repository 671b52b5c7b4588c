"""The response matrix: integer category indices plus what each item column means.

Inside ``scoring`` responses are integer arrays of shape (n_candidates, n_items) holding the
category index ``0..K_j-1`` or ``MISSING`` (-1) for an item that was not presented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.errors import ScoringError

MISSING = -1


@dataclass(frozen=True)
class ItemSpec:
    """One scored item (column): its id, dimension, category codes and category scores.

    ``codes`` are the labels of the categories as they appear in data and model files (option
    ids such as ``"A"`` or integer codes); ``scores`` give their order of merit (SME credits,
    or the integer code itself), so that the expected score rises with theta.
    """

    item_id: str
    dimension: str
    codes: tuple[str | int, ...]
    scores: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.codes) != len(self.scores):
            raise ScoringError(f"item {self.item_id}: {len(self.codes)} codes but scores differ")
        if len(self.codes) < 2:
            raise ScoringError(f"item {self.item_id}: needs at least 2 categories")
        if len(set(self.codes)) != len(self.codes):
            raise ScoringError(f"item {self.item_id}: duplicate category codes {self.codes}")

    @property
    def n_categories(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class ResponseMatrix:
    """Responses of ``n_candidates`` to ``n_items`` items, with item specifications.

    Attributes
    ----------
    responses : ndarray of int, shape (n_candidates, n_items)
        Category index per cell, ``MISSING`` (-1) where the item was not presented.
    items : tuple of ItemSpec, length n_items
    dimensions : tuple of str
        Dimension names in output order; every item's dimension is one of them.
    """

    responses: IntArray
    items: tuple[ItemSpec, ...]
    dimensions: tuple[str, ...]

    def __post_init__(self) -> None:
        responses = np.asarray(self.responses)
        if responses.ndim != 2:
            raise ScoringError(f"responses must be 2-D, got shape {responses.shape}")
        if responses.shape[1] != len(self.items):
            raise ScoringError(
                f"responses have {responses.shape[1]} columns but {len(self.items)} items"
            )
        if not np.issubdtype(responses.dtype, np.integer):
            raise ScoringError("responses must be integer category indices")
        n_categories = np.array([item.n_categories for item in self.items])
        bad = (responses < MISSING) | (responses >= n_categories[None, :])
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ScoringError(
                f"response {responses[row, col]} in row {row} for item "
                f"{self.items[col].item_id} is outside 0..{n_categories[col] - 1}"
            )
        unknown = {item.dimension for item in self.items} - set(self.dimensions)
        if unknown:
            raise ScoringError(f"items name dimensions {sorted(unknown)} not in {self.dimensions}")
        responses = responses.astype(np.int64, copy=False)
        responses.setflags(write=False)
        object.__setattr__(self, "responses", responses)

    @property
    def n_candidates(self) -> int:
        return int(self.responses.shape[0])

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)

    def dimension_items(self, dimension: str) -> IntArray:
        """Column indices of the items on ``dimension``."""
        return np.array(
            [j for j, item in enumerate(self.items) if item.dimension == dimension], dtype=np.int64
        )

    def subset(self, rows: IntArray | BoolArray) -> ResponseMatrix:
        """The same items for a subset of candidates."""
        return ResponseMatrix(self.responses[rows], self.items, self.dimensions)

    def select_items(self, keep: BoolArray) -> ResponseMatrix:
        """The same candidates for the items where ``keep`` (n_items,) is true."""
        keep = np.asarray(keep, dtype=bool)
        items = tuple(item for item, kept in zip(self.items, keep, strict=True) if kept)
        dimensions = tuple(d for d in self.dimensions if any(i.dimension == d for i in items))
        return ResponseMatrix(self.responses[:, keep], items, dimensions)

    def answered_counts(self) -> IntArray:
        """Number of candidates who answered each item, shape (n_items,)."""
        return np.asarray((self.responses >= 0).sum(axis=0), dtype=np.int64)


def one_hot(responses: IntArray, n_categories: IntArray, dtype: type = np.float32) -> FloatArray:
    """Indicator matrix (n_candidates, Σ K_j): 1 where candidate n chose category k of item j.

    Missing responses give an all-zero block, which is how missing-by-design data drop out of
    the likelihood.
    """
    offsets = np.concatenate([[0], np.cumsum(n_categories)[:-1]]).astype(np.int64)
    n_rows, n_items = responses.shape
    width = int(np.sum(n_categories))
    out: FloatArray = np.zeros((n_rows, width), dtype=dtype)
    every_row = np.arange(n_rows)
    for j in range(n_items):  # one scatter per item: cheaper than indexing every cell at once
        column = responses[:, j]
        answered = column >= 0
        rows = every_row if answered.all() else np.flatnonzero(answered)
        out[rows, offsets[j] + column[rows]] = 1.0
    return out
