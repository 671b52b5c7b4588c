"""Blocks of rows on several threads: every row once, the same result, errors surface."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.chunks import for_each_block


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_row_is_worked_on_once_in_blocks_of_at_most_the_size(workers: int) -> None:
    seen = np.zeros(1003, dtype=np.int64)
    sizes: list[int] = []

    def work(rows: np.ndarray) -> None:
        seen[rows] += 1
        sizes.append(rows.size)

    for_each_block(work, 1003, 100, workers)
    assert np.all(seen == 1)
    assert sorted(sizes) == [3] + [100] * 10


def test_an_error_in_a_block_is_raised_to_the_caller() -> None:
    def work(rows: np.ndarray) -> None:
        if 500 in rows:
            raise ValueError("block with row 500")

    with pytest.raises(ValueError, match="row 500"):
        for_each_block(work, 1000, 64, workers=2)


def test_no_rows_means_no_calls() -> None:
    calls: list[np.ndarray] = []
    for_each_block(calls.append, 0, 10, workers=2)
    assert calls == []
