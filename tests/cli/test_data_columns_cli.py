"""Data columns of ``sjt calibrate``, ``sjt score`` and ``sjt item-analysis``: a column that is
not an item is refused by name (its answers would be lost), a most_least item's own id is
explained, and bank items the model lacks (pretest items) are skipped with a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import run

ROWS = ["c1,A,B,D,C,x", "c2,C,D,A,B,y", "c3,B,A,C,D,x", "c4,D,C,B,A,y"]


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic model of the bank restricted to SO-001 and SO-002 (a most_least item),
    recording a left-out item Q9 as ``sjt calibrate --min-answers`` does."""
    folder = tmp_path_factory.mktemp("columns")
    code, output = run("bank", "synthetic-model", "--out", folder / "synthetic.json")
    assert code == 0, output
    data = json.loads((folder / "synthetic.json").read_text(encoding="utf-8"))
    data["items"] = [item for item in data["items"] if item["item_id"] in ("SO-001", "SO-002")]
    data["dimensions"] = ["service_orientation"]
    data.pop("latent_correlation", None)
    data["left_out"] = [{"item_id": "Q9", "answers": 3}]
    path = folder / "small.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def data_file(folder: Path, extra_column: str) -> Path:
    path = folder / "data.csv"
    header = f"candidate_id,SO-001,SO-002.most,SO-002.least,{extra_column},_group"
    path.write_text("\n".join([header, *ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["score", "item-analysis"])
def test_a_column_that_is_no_item_is_refused_by_name(
    small_model: Path, tmp_path: Path, command: str
) -> None:
    data = data_file(tmp_path, "SO-0O3")  # a letter O for a zero
    code, output = run(command, data, "--model", small_model, "--out", tmp_path / "out.csv")
    assert code == 1, output
    assert "line 1: unknown item column(s) ['SO-0O3']" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("column", ["SO-003", "Q9"])
def test_a_bank_item_or_a_left_out_item_the_model_lacks_is_skipped_with_a_warning(
    small_model: Path, tmp_path: Path, column: str
) -> None:
    data = data_file(tmp_path, column)
    code, output = run("score", data, "--model", small_model, "--out", tmp_path / "s.csv")
    assert code == 0, output
    assert f"warning: skipping 1 column(s) of bank items the model has no parameters for: " \
        f"['{column}']" in output  # fmt: skip
    header = (tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",_group")  # the _ column is carried along


@pytest.mark.parametrize("command", ["score", "item-analysis", "calibrate"])
def test_a_most_least_items_own_id_as_a_column_says_where_its_answers_go(
    small_model: Path, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "whole.csv"
    path.write_text("candidate_id,SO-001,SO-002\nc1,A,B\nc2,B,D\n", encoding="utf-8")
    model = ["--model", "gpcm"] if command == "calibrate" else ["--model", small_model]
    code, output = run(command, path, *model, "--out", tmp_path / "out.json")
    assert code == 1, output
    assert "line 1: column 'SO-002' is a most_least item" in output
    assert "'SO-002.most'" in output
    assert "'SO-002.least'" in output
    assert "unknown item column" not in output


def test_bank_option_ids_read_as_the_codes_of_an_integer_coded_bank_item(
    small_model: Path, tmp_path: Path
) -> None:
    """interfaces.md: a cell is an option id from the bank or an integer code; code k of a bank
    item is its k-th option, also when the model file codes the item 0..K-1."""
    data = json.loads(small_model.read_text(encoding="utf-8"))
    data["items"] = [item for item in data["items"] if item["item_id"] == "SO-001"]
    for k, category in enumerate(data["items"][0]["categories"]):
        category["code"] = k
    model = tmp_path / "integer.json"
    model.write_text(json.dumps(data), encoding="utf-8")
    letters, codes = tmp_path / "letters.csv", tmp_path / "codes.csv"
    letters.write_text("candidate_id,SO-001\nc1,A\nc2,B\nc3,D\nc4,\n", encoding="utf-8")
    codes.write_text("candidate_id,SO-001\nc1,0\nc2,1\nc3,3\nc4,\n", encoding="utf-8")
    for path in (letters, codes):
        code, output = run("score", path, "--model", model, "--out", path.with_suffix(".out"))
        assert code == 0, output
    assert letters.with_suffix(".out").read_text() == codes.with_suffix(".out").read_text()
    letters.write_text("candidate_id,SO-001\nc1,E\n", encoding="utf-8")
    code, output = run("score", letters, "--model", model, "--out", tmp_path / "x.csv")
    assert code == 1
    assert "line 2, column 'SO-001': 'E' is not one of A, B, C, D, 0, 1, 2, 3" in output


def test_item_analysis_writes_csv_to_a_report_name_without_an_extension(
    small_model: Path, tmp_path: Path
) -> None:
    """interfaces.md writes ``--out REPORT``: a name without an extension gets the CSV."""
    data = data_file(tmp_path, "_note")
    report = tmp_path / "REPORT"
    code, output = run("item-analysis", data, "--model", small_model, "--out", report)
    assert code == 0, output
    assert f"→ {report} (CSV)" in output
    assert report.read_text(encoding="utf-8").startswith("item_id,")
    code, output = run("item-analysis", data, "--model", small_model, "--out", tmp_path / "r.xlsx")
    assert code == 2
    assert "--out must end in .csv or .json, or have no extension (then CSV)" in output


def test_a_file_whose_only_item_columns_are_mistyped_names_them(
    small_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "typo.csv"
    data.write_text("candidate_id,EM-0O1,_group\nA,B,x\n", encoding="utf-8")
    code, output = run("score", data, "--model", small_model, "--out", tmp_path / "s.csv")
    assert code == 1
    assert "line 1: no item columns found: ['EM-0O1'] are not item ids" in output
