"""Fixed-point text of whole arrays: always the text Python's ``%`` formatting gives."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.psychometrics.number_text import format_rows


def python_rows(matrix: np.ndarray, decimals: list[int]) -> list[str]:
    """The reference: ``%`` formatting, one number at a time."""
    return [
        ",".join(
            "" if not np.isfinite(v) else "%.*f" % (k, v)  # noqa: UP031 - the reference
            for k, v in zip(decimals, row, strict=True)
        )
        for row in matrix.tolist()
    ]


def test_random_numbers_of_every_scale_match_python() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    scales = (1.0, 0.3, 20.0, 100.0, 1e-7, 1e9, 1e15)
    matrix = np.column_stack([rng.normal(size=n) * s for s in scales])
    decimals = [6, 6, 2, 1, 3, 0, 2]
    assert format_rows(matrix, decimals) == python_rows(matrix, decimals)


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -2.5,
        0.125,
        0.375,
        1e-12,
        -1e-12,
        0.0000005,
        0.9999999,
        9.9999995,
        99.995,
        1234567.8901234,
        1e300,
        -1e300,
        2.0**53,
        np.nan,
        np.inf,
        -np.inf,
    ],
)
@pytest.mark.parametrize("decimals", [0, 1, 2, 6])
def test_halves_signs_zeros_huge_and_non_finite_values_match_python(
    value: float, decimals: int
) -> None:
    matrix = np.array([[value], [1.0], [-value]])
    assert format_rows(matrix, [decimals]) == python_rows(matrix, [decimals])


def test_integers_and_empty_tables() -> None:
    counts = np.array([[0.0, 12.0], [7.0, 130.0]])
    assert format_rows(counts, [0, 0]) == ["0,12", "7,130"]
    assert format_rows(np.zeros((3, 0)), []) == ["", "", ""]
    assert format_rows(np.zeros((0, 2)), [1, 1]) == []


def test_a_decimals_list_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="2 columns but 1 decimals"):
        format_rows(np.zeros((1, 2)), [1])
