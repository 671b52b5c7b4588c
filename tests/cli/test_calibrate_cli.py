"""``sjt calibrate`` on sparse adaptive data: left-out items, carry-over, guards, progress."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def write_external(
    folder: Path,
    rng: np.random.Generator,
    n: int = 600,
    n_items: int = 6,
    categories: int = 3,
    map_categories: bool = True,
) -> tuple[Path, Path]:
    """Integer-coded GPCM-like data and its item map (with a ``categories`` column)."""
    theta = rng.normal(size=n)
    rows = []
    for index, t in enumerate(theta):
        cells = []
        for j in range(n_items):
            logits = np.arange(categories) * (1.0 + 0.1 * j) * t - np.arange(categories) * 0.2
            prob = np.exp(logits - logits.max())
            cells.append(str(rng.choice(categories, p=prob / prob.sum())))
        rows.append([f"c{index}", *cells])
    data = folder / "data.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", *(f"q{j}" for j in range(n_items))])
        writer.writerows(rows)
    mapping = folder / "map.csv"
    header = "item_id,dimension" + (",categories" if map_categories else "")
    lines = [f"q{j},d1" + (f",{categories}" if map_categories else "") for j in range(n_items)]
    mapping.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return data, mapping


def edit_column(path: Path, column: str, change: dict[int, str]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    position = rows[0].index(column)
    for row_index, value in change.items():
        rows[row_index + 1][position] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def blank_column(path: Path, column: str, keep: int = 0) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        n_rows = sum(1 for _ in handle) - 1
    edit_column(path, column, dict.fromkeys(range(keep, n_rows), ""))


def test_declared_categories_keep_an_unused_top_category(tmp_path: Path) -> None:
    """Codes 0–2 observed, 4 declared: the model has 4 categories, the top one flagged."""
    data, mapping = write_external(tmp_path, np.random.default_rng(1))
    mapping.write_text(mapping.read_text().replace("q2,d1,3", "q2,d1,4"), encoding="utf-8")
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 0, stdout + stderr
    model = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    item = next(entry for entry in model["items"] if entry["item_id"] == "q2")
    assert [c["code"] for c in item["categories"]] == [0, 1, 2, 3]
    assert "option 3 of item q2 was never chosen" in stderr
    assert all(v is not None and v < 10 for v in item["standard_errors"])


def test_categories_inferred_from_data_are_announced(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(2), map_categories=False)
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 0, stdout + stderr
    assert "inferred from the highest observed code" in stderr


def test_a_code_beyond_the_declared_categories_is_an_error(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(3))
    edit_column(data, "q1", {5: "3"})
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 1
    assert "column 'q1': code 3 is outside 0..2 (the item map declares 3 categories)" in stderr


def test_a_constant_item_is_rejected_with_its_id(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(4), n=300)
    edit_column(data, "q4", dict.fromkeys(range(300), "2"))
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 1
    assert "q4 (all 300 answers are 2)" in stderr
    assert "Traceback" not in stdout + stderr
    assert not (tmp_path / "m.json").exists()


def test_items_without_answers_are_left_out_with_a_warning(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(5))
    blank_column(data, "q5")
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 0, stdout + stderr
    assert "warning: item q5 has no responses; left out" in stderr
    model = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert [entry["item_id"] for entry in model["items"]] == [f"q{j}" for j in range(5)]
    assert model["left_out"] == [{"item_id": "q5", "answers": 0}]


def test_min_answers_lists_left_out_items_and_carry_over_keeps_their_parameters(
    tmp_path: Path,
) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(6), n=800)
    old = tmp_path / "old.json"
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", old
    )
    assert code == 0, stdout + stderr
    blank_column(data, "q1", keep=40)
    blank_column(data, "q3", keep=25)
    new = tmp_path / "new.json"
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", new,
        "--min-answers", "50", "--carry-over", old,
    )  # fmt: skip
    assert code == 0, stdout + stderr
    assert "left out 2 item(s) with fewer than 50 answers: q1 (40), q3 (25)" in stderr
    assert "carried over 2 item(s)" in stderr
    previous = {e["item_id"]: e for e in json.loads(old.read_text(encoding="utf-8"))["items"]}
    model = json.loads(new.read_text(encoding="utf-8"))
    items = {entry["item_id"]: entry for entry in model["items"]}
    assert list(items) == [f"q{j}" for j in range(6)]  # data order kept
    assert model["carried_over"] == ["q1", "q3"]
    assert model["estimation"]["carry_over"]["from"] == str(old)
    assert model["estimation"]["carry_over"]["not_found"] == []
    link = model["estimation"]["carry_over"]["linking"]["d1"]
    assert link["n_common"] == 4
    assert 0.8 < link["A"] < 1.25
    assert abs(link["B"]) < 0.25
    # same sample, same scale: the carried slopes stay close to the old ones
    old_slope = previous["q1"]["categories"][1]["slope"]
    assert items["q1"]["categories"][1]["slope"] == pytest.approx(old_slope, rel=0.25)
    assert {e["item_id"] for e in model["left_out"]} == {"q1", "q3"}


def test_a_non_converged_calibration_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(7))
    out = tmp_path / "m.json"
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", out,
        "--max-iter", "2",
    )  # fmt: skip
    assert "NOT converged" in stdout
    assert code == 3
    assert "the EM did not converge in 2 iterations" in stderr
    assert "no model file written" in stderr
    assert not out.exists()
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", out,
        "--max-iter", "2", "--allow-nonconverged",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["fit"]["converged"] is False


def test_progress_goes_to_stderr_per_dimension(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(8))
    mapping.write_text(mapping.read_text().replace("q5,d1", "q5,d2").replace("q4,d1", "q4,d2"))
    mapping.write_text(mapping.read_text().replace("q3,d1", "q3,d2"))
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json"
    )
    assert code == 0, stdout + stderr
    assert "[1/2] d1: calibrating" in stderr
    assert "[2/2] d2: converged after" in stderr
    assert "log-likelihood" in stderr
    assert "calibrating" not in stdout
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping,
        "--out", tmp_path / "m.json", "--quiet",
    )  # fmt: skip
    assert code == 0
    assert "calibrating" not in stderr


def test_priors_none_refuses_an_unused_category(tmp_path: Path) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(9))
    mapping.write_text(mapping.read_text().replace("q0,d1,3", "q0,d1,4"), encoding="utf-8")
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json",
        "--priors", "none",
    )  # fmt: skip
    assert code == 1
    assert "option 3 of item q0" in stderr


def test_grm_refuses_an_unused_category_between_used_ones_by_item_and_category(
    tmp_path: Path,
) -> None:
    """Codes 0 and 2 chosen, never 1: the default priors cannot hold a graded item's middle
    category (numpy's bare "Singular matrix" was all the user saw)."""
    data, mapping = write_external(tmp_path, np.random.default_rng(9))
    with data.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    edit_column(data, "q2", {n: "2" for n, row in enumerate(rows[1:]) if row[3] == "1"})
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "grm", "--item-map", mapping, "--out", tmp_path / "m.json",
    )  # fmt: skip
    assert code == 1
    assert "category 1 of item q2: never chosen although a lower and a higher" in stderr
    assert "Merge it with a neighbouring category" in stderr
    assert "Singular matrix" not in stderr
    assert not (tmp_path / "m.json").exists()
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json",
    )  # fmt: skip
    assert code == 0, stderr
    assert "option 1 of item q2 was never chosen; its parameters are held by the prior" in stderr


def test_a_misspelt_or_single_item_dimension_in_the_item_map_is_warned_about(
    tmp_path: Path,
) -> None:
    data, mapping = write_external(tmp_path, np.random.default_rng(3))
    dimensions = ["empathy"] * 3 + ["empathyy"] * 2 + ["integrity"]
    lines = [f"q{j},{dimension},3" for j, dimension in enumerate(dimensions)]
    mapping.write_text("item_id,dimension,categories\n" + "\n".join(lines) + "\n", "utf-8")
    code, _stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", tmp_path / "m.json",
        "--quiet",
    )  # fmt: skip
    assert code == 0, stderr
    assert (
        "warning: " + str(mapping) + ": dimension 'empathyy' (items ['q3', 'q4']) is not a "
        "competency id; did you mean 'empathy'?"
    ) in stderr
    assert "dimension 'integrity' has a single item (q5)" in stderr
    assert "'empathy' has a single" not in stderr
    assert "did you mean 'integrity'" not in stderr


def test_a_numerical_failure_is_explained_without_numpys_bare_message() -> None:
    from cli.errors import describe

    message = describe(np.linalg.LinAlgError("Singular matrix"))
    assert message.startswith("a numerical step failed (Singular matrix): the data do not ")
    assert "merge rare categories" in message


def test_file_commands_start_without_the_database_or_the_bank() -> None:
    """``sjt score`` builds only its own command: no SQLAlchemy, pydantic bank or scipy.stats."""
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['sjt', 'score', '--help']\n"
        "from cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'items.loader', 'scipy.stats', 'streamlit') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "Usage: sjt score" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_scores_file_quotes_awkward_ids_and_leaves_missing_numbers_empty(tmp_path: Path) -> None:
    from assessment.psychometrics.data_files import write_scores_csv
    from scoring import ThetaEstimate

    estimate = ThetaEstimate(
        np.array([[0.5], [np.nan]]), np.array([[0.25], [1.0]]), np.array([[3], [0]]), ("d1",),
        "eap",
    )  # fmt: skip
    write_scores_csv(tmp_path / "s.csv", ['a,"b"', "c"], estimate, extra={"_g": ("x", "y,z")})
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["candidate_id", "d1_theta", "d1_se", "d1_n_items", "_g"],
        ['a,"b"', "0.500000", "0.250000", "3", "x"],
        ["c", "", "1.000000", "0", "y,z"],
    ]


def test_item_analysis_reports_rest_fit_and_q3_on_data_with_gaps(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    data, mapping = write_external(tmp_path, rng, n=900, n_items=8)
    with data.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:  # every candidate skips 3 of the 8 items
        for column in rng.choice(np.arange(1, 9), size=3, replace=False):
            row[column] = ""
    with data.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    model = tmp_path / "m.json"
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--item-map", mapping, "--out", model
    )
    assert code == 0, stdout + stderr
    code, stdout, stderr = run("item-analysis", data, "--model", model, "--out", tmp_path / "r.csv")
    assert code == 0, stdout + stderr
    assert "alpha at 5.0 administered items" in stdout
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as handle:
        report = list(csv.DictReader(handle))
    assert all(row["sx2"] == "" for row in report)  # nobody answered all 8
    assert all(row["rest_fit_p"] != "" and row["q3_partner"] for row in report)


@pytest.mark.parametrize("item_map", [False, True])
def test_simple_and_general_csv_routes_read_the_same_responses(
    tmp_path: Path, item_map: bool
) -> None:
    """A plain file takes the vectorised route; the same file with one quoted id the csv
    module's; both must give identical responses, ids and extra columns."""
    from assessment.psychometrics.data_files import _simple_table, read_response_csv
    from items import load_bank
    from items.scoring_map import item_specs

    specs = item_specs(load_bank())[:6]
    rng = np.random.default_rng(11)
    lines = ["candidate_id," + ",".join(s.item_id for s in specs) + ",_group"]
    for n in range(300):
        cells = [
            ""
            if rng.random() < 0.3
            else (str(rng.integers(4)) if item_map else "ABCD"[rng.integers(4)])
            for _ in specs
        ]
        lines.append(f"c{n}," + ",".join(cells) + f",{'xyz'[n % 3]} g")
    plain = tmp_path / "plain.csv"
    plain.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("\n".join(lines).replace("c7,", '"c7",', 1) + "\n", encoding="utf-8")
    assert _simple_table(plain.read_bytes()) is not None
    assert _simple_table(quoted.read_bytes()) is None
    options: dict[str, object] = (
        {"item_map": {s.item_id: s.dimension for s in specs}} if item_map else {"specs": specs}
    )
    first = read_response_csv(plain, **options)  # type: ignore[arg-type]
    second = read_response_csv(quoted, **options)  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.data.responses, second.data.responses)
    assert first.candidate_ids == second.candidate_ids
    assert first.extra == second.extra
    assert first.data.items == second.data.items
    assert (first.data.responses >= 0).mean() == pytest.approx(0.7, abs=0.05)


def with_forms(path: Path, forms: list[str]) -> None:
    """Add a ``_form`` column (as ``sjt responses`` writes it) with one value per row."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows = [[*rows[0], "_form"]] + [[*row, form] for row, form in zip(rows[1:], forms, strict=True)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def calibrated_norms(tmp_path: Path, forms: list[str] | None) -> dict[str, Any]:
    """The model file of an external calibration whose rows took ``forms`` (no column: None)."""
    data, mapping = write_external(tmp_path, np.random.default_rng(8), n=len(forms or [0] * 600))
    if forms is not None:
        with_forms(data, forms)
    out = tmp_path / "model.json"
    code, stdout, stderr = run(
        "calibrate", data, "--model", "gpcm", "--out", out, "--item-map", mapping, "--quiet"
    )
    assert code == 0, stdout + stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("form", ["adaptive", "fixed"])
def test_a_sample_of_one_recorded_form_records_it_as_the_norms_design(
    tmp_path: Path, form: str
) -> None:
    model = calibrated_norms(tmp_path, [form] * 600)
    reference = model["norm_reference"]
    assert (reference["form"], reference["n"]) == (form, 600)
    assert "form_norms" not in model


@pytest.mark.parametrize(
    "forms", [None, ["adaptive"] * 599 + [""]], ids=["no _form column", "one form not recorded"]
)
def test_a_sample_whose_forms_are_not_all_recorded_leaves_the_design_unrecorded(
    tmp_path: Path, forms: list[str] | None
) -> None:
    model = calibrated_norms(tmp_path, forms)
    reference = model["norm_reference"]
    assert reference.get("form") is None
    assert reference["n"] == 600
    assert "form_norms" not in model


def test_a_sample_of_both_forms_gets_norm_tables_per_form_as_renorming_makes_them(
    tmp_path: Path,
) -> None:
    forms = ["adaptive", "fixed"] * 250  # 250 fixed-form respondents: tables of their own
    model = calibrated_norms(tmp_path, forms)
    reference, norms, by_form = model["norm_reference"], model["norms"], model["form_norms"]
    assert (reference["form"], reference["n"]) == ("adaptive", 250)
    assert norms["d1"]["n"] == 250
    fixed = by_form["fixed"]
    assert fixed["method"] == "respondents"
    assert fixed["norms"]["d1"]["n"] == 250
    assert fixed["norms"]["d1"]["group"] == "calibration sample (data.csv), fixed form (n=250)"


def test_both_forms_without_the_fixed_forms_items_to_simulate_leave_the_design_unrecorded(
    tmp_path: Path,
) -> None:
    """Too few fixed-form respondents for tables of their own, and the external items are not
    the fixed form's, so its answers cannot be simulated: the design is not claimed."""
    model = calibrated_norms(tmp_path, ["adaptive"] * 550 + ["fixed"] * 50)
    reference = model["norm_reference"]
    assert reference.get("form") is None
    assert reference["n"] == 600
    assert "form_norms" not in model
