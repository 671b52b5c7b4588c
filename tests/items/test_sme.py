"""SME keying: consensus credits, flags, located rating-file errors and in-place YAML edits."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest
import yaml

from items import load_bank
from items.sme import (
    RatingsFileError,
    Thresholds,
    analyse,
    consensus_credits,
    rater_ids,
    read_ratings,
    template_rows,
)
from items.sme_apply import rewrite_item_text
from tests.items.sme_bank import CURRENT, item_text, panel_ratings, write_sme_bank

KEYING = {
    "method": "sme_panel",
    "raters": 8,
    "date": datetime.date(2026, 3, 2),
    "icc2k": 0.9,
    "rwg": 0.8,
    "note": "test panel",
}


@pytest.mark.parametrize(
    ("means", "fmt", "expected"),
    [
        ({"A": 6.0, "B": 4.9, "C": 2.0, "D": 1.0}, "most_least", {"A": 3, "B": 2, "C": 1, "D": 0}),
        ({"A": 1.0, "B": 6.5, "C": 2.0, "D": 3.0}, "most_least", {"A": 0, "B": 3, "C": 1, "D": 1}),
        ({"A": 2.0, "B": 2.0, "C": 4.0, "D": 7.0}, "best", {"A": 0, "B": 0, "C": 1, "D": 3}),
    ],
)
def test_consensus_credits_keep_the_order_of_the_means(
    means: dict[str, float], fmt: str, expected: dict[str, int]
) -> None:
    credits, problem = consensus_credits(means, fmt)
    assert problem is None
    assert credits == expected


@pytest.mark.parametrize(
    ("means", "fmt", "rule"),
    [
        ({"A": 6.0, "B": 6.0, "C": 2.0, "D": 1.0}, "best", "highest mean"),
        ({"A": 6.0, "B": 4.0, "C": 1.0, "D": 1.0}, "most_least", "lowest mean"),
        ({"A": 6.0, "B": 1.0, "C": 1.0, "D": 1.0}, "best", "credit levels"),
        ({"A": 4.0, "B": 4.0, "C": 4.0, "D": 4.0}, "best", "alike"),
    ],
)
def test_consensus_credits_that_break_a_rule_are_not_proposed(
    means: dict[str, float], fmt: str, rule: str
) -> None:
    credits, problem = consensus_credits(means, fmt)
    assert credits is None
    assert problem is not None
    assert rule in problem


def test_template_has_one_row_per_rater_item_and_option(tmp_path: Path) -> None:
    bank = load_bank(write_sme_bank(tmp_path / "bank"))
    rows = template_rows(bank, raters=3)
    assert len(rows) == 3 * len(bank) * 4
    assert {row["rater_id"] for row in rows} == set(rater_ids(3)) == {"R01", "R02", "R03"}
    first = rows[0]
    assert first["rating"] == ""
    assert first["scenario_zh"] == bank[first["item_id"]].scenario.zh
    assert first["option_en"] == bank[first["item_id"]].options[0].text.en


def write_ratings(path: Path, ratings: dict[tuple[str, str, str], int]) -> Path:
    lines = ["rater_id,item_id,option_id,rating"]
    lines += [f"{r},{i},{o},{v}" for (r, i, o), v in ratings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_analysis_flags_near_ties_changed_keys_and_disagreement(tmp_path: Path) -> None:
    bank = load_bank(write_sme_bank(tmp_path / "bank"))
    ratings = panel_ratings(np.random.default_rng(7))
    panel = read_ratings(write_ratings(tmp_path / "r.csv", ratings), bank.items)
    assert panel.raters == rater_ids(8)
    consensus = {item.item_id: item for item in analyse(panel, bank.items, Thresholds())}
    codes = {item_id: {flag.code for flag in item.flags} for item_id, item in consensus.items()}
    for clear in ("SO-101", "SO-102", "SO-103", "SO-104"):
        assert codes[clear] == set(), (clear, consensus[clear].flags)
        assert consensus[clear].icc2k > 0.9
        assert consensus[clear].proposed is not None
        assert consensus[clear].proposed[consensus[clear].key] == 3
    assert "key_not_ahead" in codes["SO-105"]
    assert "key_changed" in codes["SO-106"]
    assert consensus["SO-106"].panel_best == "A"
    assert {"low_icc", "low_rwg"} <= codes["SO-107"]
    assert consensus["SO-108"].proposed is None
    # the option statistics are those of the ratings
    a_ratings = [v for (r, i, o), v in ratings.items() if i == "SO-101" and o == "A"]
    summary = consensus["SO-101"].options["A"]
    assert (summary.n, summary.mean) == (8, pytest.approx(np.mean(a_ratings)))
    assert summary.sd == pytest.approx(np.std(a_ratings, ddof=1))


def test_rewrite_keeps_the_layout_and_changes_only_credits_and_keying() -> None:
    original = item_text("SO-101", 0, CURRENT["SO-101"])
    edited = rewrite_item_text(original, {"A": 0, "B": 3, "C": 1, "D": 2}, KEYING)
    data = yaml.safe_load(edited)["item"]
    assert [o["credit"] for o in data["options"]] == [0, 3, 1, 2]
    assert data["keying"] == KEYING
    old_lines, new_lines = original.splitlines(), edited.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=False) if a != b]
    assert all("credit:" in a and "credit:" in b for a, b in changed)
    assert new_lines[: len(old_lines)][0] == "# synthetic item for the SME tests"
    assert new_lines[len(old_lines) :][0] == "  keying:"
    again = rewrite_item_text(edited, {"A": 1, "B": 3, "C": 2, "D": 0}, {**KEYING, "raters": 9})
    assert yaml.safe_load(again)["item"]["keying"]["raters"] == 9
    assert again.count("keying:") == 1
    assert len(again.splitlines()) == len(new_lines)


def test_rewrite_falls_back_to_a_readable_block_dump() -> None:
    original = item_text("SO-101", 0, (1, 3, 2, 0))
    aliased = original.replace("credit: 1", "credit: &low 1", 1).replace(
        "credit: 0", "credit: *low", 1
    )
    edited = rewrite_item_text(aliased, {"A": 0, "B": 3, "C": 1, "D": 2}, KEYING)
    data = yaml.safe_load(edited)["item"]
    assert [o["credit"] for o in data["options"]] == [0, 3, 1, 2]
    assert list(data) == [
        *("id", "competency", "format", "setting", "source", "scenario"),
        *("options", "keying"),
    ]
    assert "热线上一位客户" in edited  # unicode kept, not escaped
    assert "{" not in edited  # block style


HEADER = "rater_id,item_id,option_id,rating\n"
BAD_FILES = [
    ("", None, None, "empty"),
    ("R01,SO-101,A,5\n", 1, "rater_id", "missing header"),
    ("rater_id,item_id,option_id\nR01,SO-101,A\n", 1, "rating", "missing header column"),
    (HEADER + "R01,SO-999,A,5\n", 2, "item_id", "unknown item 'SO-999'"),
    (HEADER + "R01,SO-101,E,5\n", 2, "option_id", "unknown option 'E'"),
    (HEADER + "R01,SO-101,A,9\n", 2, "rating", "outside the scale"),
    (HEADER + "R01,SO-101,A,good\n", 2, "rating", "not a number"),
    (HEADER + "R01,SO-101,A,4.5\n", 2, "rating", "not a whole number"),
    (HEADER + ",SO-101,A,4\n", 2, "rater_id", "is empty"),
    (HEADER + "R01,SO-101\n", 2, None, "has 2 fields"),
    (HEADER + "R01,SO-101,A,\n", None, None, "contains no ratings"),
]


@pytest.mark.parametrize(("content", "row", "column", "expected"), BAD_FILES)
def test_bad_rating_files_name_row_and_column(
    tmp_path: Path, content: str, row: int | None, column: str | None, expected: str
) -> None:
    bank = load_bank(write_sme_bank(tmp_path / "bank"))
    path = tmp_path / "ratings.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RatingsFileError) as caught:
        read_ratings(path, bank.items)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert str(path) in message
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert f"column {column}" in message


def test_duplicates_and_partly_rated_items_are_located(tmp_path: Path) -> None:
    bank = load_bank(write_sme_bank(tmp_path / "bank"))
    rows = [f"R01,SO-101,{o},{v}" for o, v in zip("ABCD", (2, 6, 4, 1), strict=True)]
    rows.append("R01,SO-101,B,5")  # row 6 duplicates row 3
    rows += ["R02,SO-102,A,3", "R02,SO-102,B,4"]  # rows 7–8: two of four options
    path = tmp_path / "ratings.csv"
    path.write_text("rater_id,item_id,option_id,rating\n" + "\n".join(rows), encoding="utf-8")
    with pytest.raises(RatingsFileError) as caught:
        read_ratings(path, bank.items)
    message = str(caught.value)
    assert "row 6, column rater_id: duplicate rating of R01 for SO-101 option B (also row 3)" in (
        message
    )
    assert "row 7, column rating: R02 rated 2 of the 4 options of SO-102 (missing C, D)" in message


def test_a_file_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    bank = load_bank(write_sme_bank(tmp_path / "bank"))
    path = tmp_path / "ratings.csv"
    path.write_bytes("rater_id,item_id,option_id,rating\nR01,SO-101,A,5 é\n".encode("latin-1"))
    with pytest.raises(RatingsFileError, match="not valid UTF-8"):
        read_ratings(path, bank.items)
