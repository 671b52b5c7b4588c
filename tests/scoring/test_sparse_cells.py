"""Merging sparse fit cells into their smaller neighbour in score order."""

from __future__ import annotations

from scoring.sparse_cells import merge_sparse_cells, smaller_neighbour


def test_smaller_neighbour_takes_the_only_neighbour_at_the_ends() -> None:
    sizes = [1.0, 5.0, 2.0, 7.0]
    assert smaller_neighbour(sizes, 0) == 1
    assert smaller_neighbour(sizes, 3) == 2


def test_smaller_neighbour_prefers_the_smaller_side_and_the_lower_one_on_a_tie() -> None:
    assert smaller_neighbour([4.0, 1.0, 3.0], 1) == 2
    assert smaller_neighbour([3.0, 1.0, 4.0], 1) == 0
    assert smaller_neighbour([3.0, 1.0, 3.0], 1) == 0


def test_cells_at_or_above_the_threshold_are_left_alone() -> None:
    assert merge_sparse_cells([5.0, 6.0, 7.0], 5.0) == ([[0], [1], [2]], [5.0, 6.0, 7.0])


def test_the_smallest_cell_merges_first_and_merged_cells_stay_adjacent() -> None:
    # 0.5 joins its smaller neighbour 2.0 (→ 2.5); then 2.5 joins 3.0 rather than 9.0.
    cells, totals = merge_sparse_cells([9.0, 3.0, 0.5, 2.0, 8.0], 4.0)
    assert cells == [[0], [1, 2, 3], [4]]
    assert totals == [9.0, 5.5, 8.0]


def test_merging_stops_at_two_cells_even_when_one_is_still_sparse() -> None:
    cells, totals = merge_sparse_cells([0.1, 0.2, 0.3, 10.0], 5.0)
    assert cells == [[0, 1, 2], [3]]
    assert totals[0] < 5.0
