"""Blocks of rows on several threads: every row once, results in block order, errors surface."""

from __future__ import annotations

import pytest

from scoring.chunks import map_blocks, row_blocks


def test_blocks_cover_every_row_once_in_order() -> None:
    by_size = row_blocks(1003, size=100)
    assert [b.stop - b.start for b in by_size] == [100] * 10 + [3]
    assert row_blocks(0, size=5) == []


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_block_order_whatever_the_threads(workers: int) -> None:
    blocks = row_blocks(1000, size=64)
    assert map_blocks(lambda rows: rows.start, blocks, workers) == [b.start for b in blocks]


def test_an_error_in_a_block_is_raised_to_the_caller() -> None:
    def work(rows: slice) -> None:
        if rows.start <= 500 < rows.stop:
            raise ValueError("block with row 500")

    with pytest.raises(ValueError, match="row 500"):
        map_blocks(work, row_blocks(1000, size=64), workers=2)
