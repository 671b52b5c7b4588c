"""Merging sparse cells of a fit statistic into their neighbours in score order.

Chi-square item-fit statistics need expected counts that are not too small. Both summed-score
S-X2 (:mod:`scoring.fit`) and the rest-posterior statistic (:mod:`scoring.adaptive_fit`) fix
sparse cells the same way: the smallest cell is merged into whichever neighbour is smaller,
so that merged cells stay runs of adjacent scores.
"""

from __future__ import annotations

from collections.abc import Sequence


def smaller_neighbour(sizes: Sequence[float], index: int) -> int:
    """Index of the neighbour of ``index`` with the smaller size (the lower one on a tie).

    ``sizes`` are in score order and hold at least two entries; the first and last entries
    have one neighbour only.
    """
    if index == 0:
        return 1
    if index == len(sizes) - 1:
        return index - 1
    return index - 1 if sizes[index - 1] <= sizes[index + 1] else index + 1


def merge_sparse_cells(
    sizes: Sequence[float], threshold: float
) -> tuple[list[list[int]], list[float]]:
    """Merge the smallest cell into its smaller neighbour while any is below ``threshold``.

    Parameters
    ----------
    sizes : sequence of float
        Expected count of each cell, in score order.
    threshold : float
        Smallest acceptable expected count; merging stops earlier when two cells remain.

    Returns
    -------
    cells : list of list of int
        Positions in ``sizes`` of the members of each merged cell, in score order.
    totals : list of float
        Expected count of each merged cell (the running sum of its members' sizes).
    """
    cells = [[position] for position in range(len(sizes))]
    totals = [float(size) for size in sizes]
    while len(cells) > 2 and min(totals) < threshold:
        smallest = min(range(len(totals)), key=totals.__getitem__)  # the first, as argmin
        low, high = sorted((smallest, smaller_neighbour(totals, smallest)))
        cells[low] = cells[low] + cells[high]
        totals[low] = totals[low] + totals[high]
        del cells[high], totals[high]
    return cells, totals
