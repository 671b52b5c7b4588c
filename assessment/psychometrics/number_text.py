"""Fixed-point text of many numbers at once, exactly as ``'%.{k}f' % value`` writes them.

A scores file of 100,000 candidates holds 2.5 million numbers; formatting them one at a time
in Python took a second. Here every column is converted with whole-array operations: the
value times ``10**k`` is rounded to an integer, its decimal digits are laid out right-aligned
in a byte matrix with a fill byte where a row has fewer characters, and the fill is dropped
when the rows are joined. Cells that array arithmetic could round differently from Python
(a scaled value within 1e-6 of a half, or too large for exact integers) are formatted by
Python, so the text is always the same as ``%`` formatting; non-finite values give empty
cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FILL = 0
"""Byte that stands where a row has no character; dropped when the rows are joined."""
EXACT_LIMIT = 2.0**52
"""Scaled values below this are integers that float64 holds exactly."""
HALF_MARGIN = 1e-6
"""Scaled values this close to a half are left to Python's correctly rounded formatting."""


def format_rows(matrix: NDArray[np.float64], decimals: Sequence[int]) -> list[str]:
    """Each row of ``matrix`` as comma-separated numbers, column c with ``decimals[c]``.

    Equal to ``",".join("%.{k}f" % v ...)`` per row, with an empty cell for a non-finite
    value.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    n_rows, n_columns = matrix.shape
    if n_columns != len(decimals):
        raise ValueError(f"{n_columns} columns but {len(decimals)} decimals")
    if n_columns == 0:
        return [""] * n_rows
    pieces: list[NDArray[np.uint8]] = []  # each (characters, n_rows): one row per character
    for c, k in enumerate(decimals):
        if c:
            pieces.append(np.full((1, n_rows), ord(","), dtype=np.uint8))
        pieces.append(_column_bytes(matrix[:, c], k))
    pieces.append(np.full((1, n_rows), ord("\n"), dtype=np.uint8))
    table = np.ascontiguousarray(np.concatenate(pieces).T)
    return table[table != FILL].tobytes().decode("ascii").split("\n")[:-1]


def _column_bytes(values: NDArray[np.float64], decimals: int) -> NDArray[np.uint8]:
    """The text of one column as a (width, n) byte matrix, each value's characters down its
    column, right-aligned and padded with FILL."""
    n = values.size
    finite = np.isfinite(values)
    scaled = np.abs(np.where(finite, values, 0.0)) * 10.0**decimals
    fraction = scaled - np.floor(scaled)
    by_python = finite & ((np.abs(fraction - 0.5) < HALF_MARGIN) | (scaled >= EXACT_LIMIT))
    remainder = np.where(by_python, 0.0, np.rint(scaled)).astype(np.int64)
    n_digits = np.maximum(_digit_count(remainder), decimals + 1)  # at least "0.xxx"
    width = int(n_digits.max(initial=decimals + 1))
    point = 1 if decimals else 0
    text = np.full((1 + width + point, n), FILL, dtype=np.uint8)  # sign, digits, point
    for place in range(width):  # units first; division by a scalar is vectorised
        quotient = remainder // 10
        digit = (remainder - quotient * 10).astype(np.uint8) + np.uint8(ord("0"))
        line = text.shape[0] - 1 - place - (point if place >= decimals else 0)
        text[line] = np.where(n_digits > place, digit, FILL)
        remainder = quotient
    if point:
        text[text.shape[0] - 1 - decimals] = ord(".")
    first = text.shape[0] - n_digits - point  # line of each value's first digit
    text[first - 1, np.arange(n)] = np.where(np.signbit(values), ord("-"), FILL)
    text[:, ~finite] = FILL
    exceptions = {
        row: f"{float(values[row]):.{decimals}f}" for row in np.flatnonzero(by_python).tolist()
    }
    wider = max(map(len, exceptions.values()), default=0) - text.shape[0]
    if wider > 0:  # room for a fallback text longer than every array-formatted one
        text = np.concatenate([np.full((wider, n), FILL, np.uint8), text])
    for row, exact in exceptions.items():
        text[:, row] = FILL
        text[text.shape[0] - len(exact) :, row] = np.frombuffer(exact.encode("ascii"), np.uint8)
    return text


def _digit_count(integer: NDArray[np.int64]) -> NDArray[np.int64]:
    """Number of decimal digits of each non-negative integer (1 for zero)."""
    count = np.ones(integer.shape, dtype=np.int64)
    limit = np.int64(10)
    while np.any(integer >= limit):
        count += integer >= limit
        if limit > np.iinfo(np.int64).max // 10:
            break
        limit *= 10
    return count
