"""``sjt bank sme-template`` → ratings of a synthetic 8-rater panel → ``sme-import [--apply]``."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from items import load_bank
from items.sme import consensus_credits
from scoring.agreement import icc2k, rwg
from tests.items.sme_bank import CURRENT, TIED, fill_form, panel_ratings, write_sme_bank

runner = CliRunner()


@pytest.fixture
def panel(tmp_path: Path) -> tuple[Path, Path, dict[tuple[str, str, str], int]]:
    """A temporary bank, and the blank form filled in by a seeded 8-rater panel."""
    bank = write_sme_bank(tmp_path / "bank")
    form = tmp_path / "form.csv"
    result = runner.invoke(
        app, ["bank", "sme-template", "--out", str(form), "--bank", str(bank), "--raters", "8"]
    )
    assert result.exit_code == 0, result.output
    assert "256 rows (8 raters × 8 items × 4 options)" in result.output
    ratings = panel_ratings(np.random.default_rng(20260302))
    return bank, fill_form(form, ratings, tmp_path / "ratings.csv"), ratings


def snapshot(bank: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(bank.rglob("*.yaml"))}


def matrix(ratings: dict[tuple[str, str, str], int], item_id: str) -> np.ndarray:
    raters = sorted({r for r, i, _ in ratings if i == item_id})
    return np.array([[ratings[(r, item_id, o)] for r in raters] for o in "ABCD"], dtype=float)


def test_template_rows_carry_both_languages(panel: tuple[Path, Path, dict]) -> None:
    _, filled, _ = panel
    with filled.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 * 8 * 4
    assert list(rows[0])[:3] == ["rater_id", "item_id", "option_id"]
    assert all(row["scenario_zh"] and row["option_en"] for row in rows)


def test_import_reports_without_changing_files(
    panel: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    bank, filled, _ = panel
    before = snapshot(bank)
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app, ["bank", "sme-import", str(filled), "--bank", str(bank), "--out", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "panel: 8 raters, 8 items rated" in result.output
    assert "SO-106: the panel rates A highest, the current key is D" in result.output
    assert "low_icc" in result.output
    assert snapshot(bank) == before
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 32
    assert {row["item_id"] for row in rows} == set(CURRENT)


def test_apply_writes_consensus_credits_and_panel_provenance(
    panel: tuple[Path, Path, dict],
) -> None:
    bank, filled, ratings = panel
    before = snapshot(bank)
    result = runner.invoke(
        app,
        [
            *("bank", "sme-import", str(filled), "--bank", str(bank), "--apply"),
            *("--date", "2026-03-02", "--note", "synthetic panel"),
        ],
    )
    assert result.exit_code == 0, result.output
    loaded = load_bank(bank)  # still a valid bank
    for item_id in CURRENT:
        item = loaded[item_id]
        x = matrix(ratings, item_id)
        expected, problem = consensus_credits(
            dict(zip("ABCD", x.mean(axis=1), strict=True)), item.format
        )
        if expected is None:
            assert f"{item_id}: not changed: {problem}" in result.output
            assert (
                before[f"{item_id}.yaml"]
                == (bank / "service_orientation" / f"{item_id}.yaml").read_bytes()
            )
            assert not item.sme_keyed
            continue
        assert item.credits == expected, item_id
        keying = item.key_provenance
        assert keying.method == "sme_panel"
        assert keying.raters == 8
        assert keying.date == datetime.date(2026, 3, 2)
        assert keying.icc2k == pytest.approx(icc2k(x), abs=5e-4)
        assert keying.rwg == pytest.approx(rwg(x).mean(), abs=5e-4)
        assert keying.note == "synthetic panel"
        assert "8 subject matter experts" in item.provenance_text.en
    assert sum(loaded[item_id].sme_keyed for item_id in CURRENT) >= 5
    assert loaded["SO-106"].best_option.id == "A"
    assert not loaded[TIED].sme_keyed
    assert f"{TIED}: not changed: two or more options share the highest mean" in result.output


def test_skip_flagged_leaves_flagged_items_alone(panel: tuple[Path, Path, dict]) -> None:
    bank, filled, _ = panel
    before = snapshot(bank)
    result = runner.invoke(
        app, ["bank", "sme-import", str(filled), "--bank", str(bank), "--apply", "--skip-flagged"]
    )
    assert result.exit_code == 0, result.output
    after = snapshot(bank)
    assert after["SO-106.yaml"] == before["SO-106.yaml"]
    assert after["SO-107.yaml"] == before["SO-107.yaml"]
    assert after["SO-101.yaml"] != before["SO-101.yaml"]
    assert "SO-106: not changed (--skip-flagged): key_changed" in result.output


def test_apply_is_all_or_nothing_when_the_bank_would_break_a_rule(
    panel: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    bank, _, _ = panel
    before = snapshot(bank)
    ratings = {
        (f"R{r:02d}", item_id, option_id): (7 - r % 2, 4, 2, 1)["ABCD".index(option_id)]
        for r in range(1, 9)
        for item_id in CURRENT
        for option_id in "ABCD"
    }
    lines = ["rater_id,item_id,option_id,rating"]
    lines += [f"{r},{i},{o},{v}" for (r, i, o), v in ratings.items()]
    path = tmp_path / "all_a.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["bank", "sme-import", str(path), "--bank", str(bank), "--apply"])
    assert result.exit_code == 1
    assert "no file was changed" in result.output
    assert "key-position" in result.output
    assert snapshot(bank) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("rater_id,item_id,option_id,rating\nR01,XX-001,A,5\n", "row 2, column item_id"),
        ("rater_id,item_id,option_id,rating\nR01,SO-101,A,0\n", "row 2, column rating"),
        ("R01,SO-101,A,5\n", "row 1, column rater_id"),
    ],
)
def test_bad_rating_file_is_one_paragraph_without_traceback(
    panel: tuple[Path, Path, dict], tmp_path: Path, content: str, expected: str
) -> None:
    bank, _, _ = panel
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["bank", "sme-import", str(path), "--bank", str(bank)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert result.output.strip().startswith("error:")


def test_bad_date_and_missing_file_are_user_errors(
    panel: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    bank, filled, _ = panel
    result = runner.invoke(
        app, ["bank", "sme-import", str(filled), "--bank", str(bank), "--date", "2.3.2026"]
    )
    assert result.exit_code == 2  # a malformed option value: a command-line error
    assert "YYYY-MM-DD" in result.output
    missing = runner.invoke(
        app, ["bank", "sme-import", str(tmp_path / "nope.csv"), "--bank", str(bank)]
    )
    assert missing.exit_code == 1
    assert "nope.csv" in missing.output
    assert "Traceback" not in missing.output


def test_a_partly_rated_item_lists_only_the_options_left_unrated(tmp_path: Path) -> None:
    """An option rated wrongly (8) is reported on its own row, not also as missing."""
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "rater_id,item_id,option_id,rating\nR01,EM-002,A,8\nR01,EM-002,B,3\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["bank", "sme-import", str(ratings)])
    code, output = result.exit_code, result.output
    assert code == 1
    assert "row 2, column rating: 8 is outside the scale 1–7" in output
    assert "R01 rated 2 of the 4 options of EM-002 (missing C, D)" in output
