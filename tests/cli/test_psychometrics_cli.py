"""``sjt simulate``, ``sjt calibrate`` and ``sjt score`` as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.conftest import run


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic model of the packaged bank and 1,500 simulated respondents."""
    folder = tmp_path_factory.mktemp("cli")
    code, output = run("bank", "synthetic-model", "--out", folder / "synthetic.json")
    assert code == 0, output
    code, output = run(
        "simulate", "--model", folder / "synthetic.json", "--n", "1500", "--seed", "3",
        "--out", folder / "data.csv", "--theta-out", folder / "theta.csv",
    )  # fmt: skip
    assert code == 0, output
    return folder


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_simulate_writes_option_ids_and_true_thetas(workdir: Path) -> None:
    rows = read_rows(workdir / "data.csv")
    assert len(rows) == 1500
    assert set(rows[0]) >= {"candidate_id", "SO-001", "SO-002.most", "SO-002.least"}
    assert {rows[n]["SO-001"] for n in range(200)} <= {"A", "B", "C", "D"}
    assert {row["_synthetic"] for row in rows} == {"true"}  # a model calibrated on them says so
    thetas = read_rows(workdir / "theta.csv")
    assert list(thetas[0]) == ["candidate_id"] + [
        f"{d}_theta"
        for d in ("service_orientation", "resilience", "composure", "empathy", "integrity")
    ]


def test_simulate_is_reproducible_with_a_seed(workdir: Path, tmp_path: Path) -> None:
    code, _ = run(
        "simulate", "--model", workdir / "synthetic.json", "--n", "1500", "--seed", "3",
        "--out", tmp_path / "again.csv",
    )  # fmt: skip
    assert code == 0
    assert (tmp_path / "again.csv").read_bytes() == (workdir / "data.csv").read_bytes()


@pytest.mark.parametrize("model", ["nrm", "gpcm"])
def test_calibrate_prints_fit_and_writes_the_model_file(workdir: Path, model: str) -> None:
    out = workdir / f"{model}.json"
    code, output = run("calibrate", workdir / "data.csv", "--model", model, "--out", out)
    assert code == 0, output
    for label in ("iterations", "log-likelihood", "AIC", "BIC", "marginal reliability"):
        assert label in output
    assert "converged:       yes" in output.splitlines()  # the lines of CalibrationResult.summary()
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["model"] == model
    assert data["dimensions"][0] == "service_orientation"
    item = data["items"][0]
    assert set(item) >= {"item_id", "dimension", "categories"}
    assert [c["code"] for c in item["categories"]] == ["A", "B", "C", "D"]
    assert all(isinstance(c["slope"], float) for c in item["categories"])
    assert data["fit"]["converged"] is True
    assert "note: 1500 of 1500 respondents are synthetic" in output
    assert data["provenance"]["kind"] == "synthetic"
    assert data["provenance"]["note"].startswith("calibrated on 1500 synthetic of 1500")
    for norm in data["norms"].values():
        assert norm["synthetic"] is True
        assert norm["group"] == "synthetic calibration sample (data.csv, n=1500)"


def test_a_calibration_sample_with_some_synthetic_respondents_is_marked_synthetic(
    workdir: Path, tmp_path: Path
) -> None:
    lines = (workdir / "data.csv").read_text(encoding="utf-8").splitlines()
    mixed = [lines[0]] + [
        line if n % 3 else line.rsplit(",", 1)[0] + ",false" for n, line in enumerate(lines[1:])
    ]
    data, out = tmp_path / "mixed.csv", tmp_path / "mixed.json"
    data.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    code, output = run("calibrate", data, "--model", "gpcm", "--out", out, "--quiet")
    assert code == 0, output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["provenance"]["kind"] == "synthetic"
    assert "calibrated on 1000 synthetic of 1500 respondents" in document["provenance"]["note"]
    norm = next(iter(document["norms"].values()))
    assert norm["synthetic"] is True
    assert norm["group"].startswith("partly synthetic calibration sample")
    mixed[2] = mixed[2].rsplit(",", 1)[0] + ",maybe"
    data.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    code, output = run("calibrate", data, "--model", "gpcm", "--out", out, "--quiet")
    assert code == 1
    assert "line 3, column '_synthetic': must be true or false, got 'maybe'" in output


def test_score_writes_theta_se_t_and_percentile(workdir: Path) -> None:
    model = workdir / "gpcm.json"
    if not model.exists():
        run("calibrate", workdir / "data.csv", "--model", "gpcm", "--out", model)
    out = workdir / "scores.csv"
    code, output = run("score", workdir / "data.csv", "--model", model, "--out", out)
    assert code == 0, output
    rows = read_rows(out)
    header = list(rows[0])
    assert header[:5] == [
        "candidate_id",
        "service_orientation_theta",
        "service_orientation_se",
        "service_orientation_t",
        "service_orientation_pct",
    ]
    truth = {
        row["candidate_id"]: float(row["empathy_theta"]) for row in read_rows(workdir / "theta.csv")
    }
    pairs = [(float(row["empathy_theta"]), truth[row["candidate_id"]]) for row in rows]
    import numpy as np

    assert np.corrcoef(np.array(pairs).T)[0, 1] > 0.7


def test_calibrate_external_integer_data_with_an_item_map(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    theta = rng.normal(size=800)
    lines = ["candidate_id,q1,q2,q3,q4,q5,_group"]
    for n, t in enumerate(theta):
        cells = [
            str(int(rng.random() < 1 / (1 + np.exp(-(1.2 * t + d))))) for d in (1, 0.5, 0, -0.5, -1)
        ]
        lines.append(f"p{n}," + ",".join(cells) + f",{'ab'[n % 2]}")
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "map.csv").write_text(
        "item_id,dimension\n" + "".join(f"q{i},math\n" for i in range(1, 6)), encoding="utf-8"
    )
    code, output = run(
        "calibrate", tmp_path / "data.csv", "--model", "2pl", "--out", tmp_path / "m.json",
        "--item-map", tmp_path / "map.csv",
    )  # fmt: skip
    assert code == 0, output
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    slopes = [item["categories"][1]["slope"] for item in data["items"]]
    assert all(0.7 < s < 1.9 for s in slopes)
    code, output = run(
        "score", tmp_path / "data.csv", "--model", tmp_path / "m.json", "--out", tmp_path / "s.csv"
    )
    assert code == 0, output
    assert "_group" in read_rows(tmp_path / "s.csv")[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty"),
        ("id,SO-001\nx,A\n", "first column must be 'candidate_id'"),
        ("candidate_id,SO-001\nc1,E\n", "line 2, column 'SO-001': 'E' is not one of A, B, C, D"),
        ("candidate_id,SO-001\nc1,A\nc1,B\n", "line 3: candidate_id 'c1' repeats line 2"),
        ("candidate_id,SO-001\nc1,A,B\n", "line 2: 3 cells but the header has 2 columns"),
        ("candidate_id,NOPE-1\nc1,A\n", "unknown item column(s) ['NOPE-1']"),
        ("candidate_id,SO-001\nc1,7\n", "code 7 is outside 0..3"),
    ],
)
def test_malformed_data_files_name_line_and_column(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, output = run("calibrate", path, "--model", "nrm", "--out", tmp_path / "m.json")
    assert code == 1
    assert expected in output
    assert "bad.csv" in output
    assert "Traceback" not in output
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_data_file_with_another_separator_is_named_in_one_short_line(
    tmp_path: Path, separator: str, name: str
) -> None:
    """A spreadsheet's semicolon CSV: one line naming the separator, not the whole header."""
    items = [f"SO-{n:03d}" for n in range(1, 301)]
    path = tmp_path / "excel.csv"
    rows = [["candidate_id", *items], ["c1", *["A"] * len(items)]]
    path.write_text("\n".join(separator.join(row) for row in rows) + "\n", encoding="utf-8")
    code, output = run("calibrate", path, "--model", "nrm", "--out", tmp_path / "m.json")
    assert code == 1
    assert f"line 1: the columns are separated by {name}" in output
    assert "save the file as comma-separated CSV" in output
    assert "SO-300" not in output
    assert len(output.replace(str(path), "FILE")) < 250


def test_a_long_wrong_first_column_is_shortened(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("respondent_identifier_" + "x" * 400 + ",SO-001\nc1,A\n", encoding="utf-8")
    code, output = run("calibrate", path, "--model", "nrm", "--out", tmp_path / "m.json")
    assert code == 1
    assert "first column must be 'candidate_id', got 'respondent_identifier_xxx" in output
    assert "x" * 100 not in output


def test_non_utf8_data_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("candidate_id,SO-001\nJosé,A\n".encode("latin-1"))
    code, output = run("calibrate", path, "--model", "nrm", "--out", tmp_path / "m.json")
    assert code == 1
    assert "line 2: not valid UTF-8" in output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "invalid JSON"),
        ('{"model": "nrm", "dimensions": ["d"]}', "items: required field is missing"),
        ('{"model": "xyz", "dimensions": ["d"], "items": []}', "unknown item model 'xyz'"),
        (
            '{"model": "2pl", "dimensions": ["d"], "items": [{"item_id": "q1", "dimension": "d",'
            ' "categories": [{"code": 0, "slope": 0, "intercept": 0},'
            ' {"code": 1, "slope": "x", "intercept": 0}]}]}',
            "item q1.categories[1].slope: must be a number",
        ),
    ],
)
def test_malformed_model_files_are_reported(tmp_path: Path, content: str, expected: str) -> None:
    (tmp_path / "m.json").write_text(content, encoding="utf-8")
    (tmp_path / "d.csv").write_text("candidate_id,q1\nc1,1\n", encoding="utf-8")
    code, output = run(
        "score", tmp_path / "d.csv", "--model", tmp_path / "m.json", "--out", tmp_path / "s.csv"
    )
    assert code == 1
    assert expected in output
    assert "Traceback" not in output


def test_2pl_on_bank_items_names_the_file_the_items_and_the_fix(
    workdir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "few.csv"
    lines = (workdir / "data.csv").read_text(encoding="utf-8").splitlines()[:6]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = run("calibrate", data, "--model", "2pl", "--out", tmp_path / "m.json")
    assert code == 1
    assert f"{data}: 2pl models items with two categories" in output
    assert "SO-001, SO-002, SO-003" in output  # a most/least item by its own id, not .most
    assert ".most" not in output
    assert "with nrm or gpcm" in output


def test_grm_refuses_unordered_bank_options(workdir: Path) -> None:
    code, output = run(
        "calibrate", workdir / "data.csv", "--model", "grm", "--out", workdir / "g.json"
    )
    assert code == 1
    assert "grm needs categories in increasing order" in output


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_item_analysis_writes_one_row_per_item(workdir: Path, suffix: str) -> None:
    model = workdir / "gpcm.json"
    if not model.exists():
        run("calibrate", workdir / "data.csv", "--model", "gpcm", "--out", model)
    out = workdir / f"analysis{suffix}"
    code, output = run("item-analysis", workdir / "data.csv", "--model", model, "--out", out)
    assert code == 0, output
    assert "alpha" in output
    n_items = len(json.loads(model.read_text(encoding="utf-8"))["items"])
    if suffix == ".csv":
        rows = read_rows(out)
        assert len(rows) == n_items
        assert {"item_id", "item_rest_r", "sx2", "p_value", "prop_A", "flags"} <= set(rows[0])
        assert 0 < float(rows[0]["item_rest_r"]) < 1
        # GPCM weights are a · SME credit with a > 0: the empirical key is the SME key
        assert {"sme_order", "empirical_order", "key_rank_r", "key_flags"} <= set(rows[0])
        assert all(row["empirical_order"] == row["sme_order"] for row in rows)
        assert not any(row["key_flags"] for row in rows)
    else:
        report = json.loads(out.read_text(encoding="utf-8"))
        assert len(report["items"]) == n_items
        assert set(report["dimensions"]) == {
            "service_orientation", "resilience", "composure", "empathy", "integrity",
        }  # fmt: skip


def test_item_analysis_refuses_unknown_report_type(workdir: Path) -> None:
    code, output = run(
        "item-analysis", workdir / "data.csv", "--model", workdir / "synthetic.json",
        "--out", workdir / "report.xlsx",
    )  # fmt: skip
    assert code == 2
    assert "must end in .csv or .json" in output


def test_item_analysis_with_a_group_column_adds_mantel_haenszel(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    header = "candidate_id," + ",".join(f"q{i}" for i in range(8)) + ",_group"
    lines = [header]
    for n in range(1200):
        t = rng.normal()
        focal = n % 2 == 1
        cells = []
        for i in range(8):
            shift = -1.5 if (focal and i == 3) else 0.0
            cells.append(str(int(rng.random() < 1 / (1 + np.exp(-(1.3 * t + shift))))))
        lines.append(f"p{n}," + ",".join(cells) + ("," + ("f" if focal else "r")))
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "map.csv").write_text(
        "item_id,dimension\n" + "".join(f"q{i},x\n" for i in range(8)), encoding="utf-8"
    )
    code, output = run(
        "calibrate", tmp_path / "d.csv", "--model", "2pl", "--out", tmp_path / "m.json",
        "--item-map", tmp_path / "map.csv", "--no-se",
    )  # fmt: skip
    assert code == 0, output
    code, output = run(
        "item-analysis", tmp_path / "d.csv", "--model", tmp_path / "m.json",
        "--group", "group", "--reference", "r", "--out", tmp_path / "x.csv",
    )  # fmt: skip
    assert code == 0, output
    rows = {row["item_id"]: row for row in read_rows(tmp_path / "x.csv")}
    assert rows["q3"]["mh_class"] == "C"
    assert float(rows["q3"]["mh_delta"]) < -1.5  # harder for the focal group
    assert sum(row["mh_class"] == "C" for row in rows.values()) == 1
    code, output = run(
        "item-analysis", tmp_path / "d.csv", "--model", tmp_path / "m.json",
        "--group", "group", "--reference", "west", "--out", tmp_path / "x.csv",
    )  # fmt: skip
    assert code == 1
    assert "reference group 'west' does not occur" in output
    assert "its groups are 'f' (n=600), 'r' (n=600)" in output


# ------------------------------------------------------------- joint most/least, correlations


def test_calibrate_models_most_least_items_jointly_and_writes_correlations(
    workdir: Path,
) -> None:
    out = workdir / "joint.json"
    code, output = run(
        "calibrate", workdir / "data.csv", "--model", "gpcm", "--out", out, "--no-se"
    )
    assert code == 0, output
    assert "modelled jointly (gpcm_most_least)" in output
    assert "latent correlations" in output
    data = json.loads(out.read_text(encoding="utf-8"))
    items = {item["item_id"]: item for item in data["items"]}
    assert "SO-002.most" not in items
    joint = items["SO-002"]
    assert joint["item_model"] == "gpcm_most_least"
    assert [option["code"] for option in joint["options"]] == ["A", "B", "C", "D"]
    assert "item_model" not in items["SO-001"]
    matrix = data["latent_correlation"]
    assert len(matrix) == len(data["dimensions"]) == 5
    assert all(len(row) == 5 and row[i] == 1.0 for i, row in enumerate(matrix))


def test_independent_most_least_keeps_the_two_part_items(workdir: Path) -> None:
    out = workdir / "parts.json"
    code, output = run(
        "calibrate", workdir / "data.csv", "--model", "gpcm", "--out", out, "--no-se",
        "--independent-most-least",
    )  # fmt: skip
    assert code == 0, output
    assert "jointly" not in output
    items = {item["item_id"]: item for item in json.loads(out.read_text("utf-8"))["items"]}
    assert {"SO-002.most", "SO-002.least"} <= set(items)
    assert "item_model" not in items["SO-002.most"]
    code, output = run("score", workdir / "data.csv", "--model", out, "--out", workdir / "p.csv")
    assert code == 0, output


def test_score_uses_the_correlated_prior_unless_told_otherwise(workdir: Path) -> None:
    import numpy as np

    model = workdir / "joint.json"
    if not model.exists():
        run("calibrate", workdir / "data.csv", "--model", "gpcm", "--out", model, "--no-se")
    code, output = run("score", workdir / "data.csv", "--model", model, "--out", workdir / "c.csv")
    assert code == 0, output
    assert "prior N(0, R)" in output
    code, output = run(
        "score", workdir / "data.csv", "--model", model, "--out", workdir / "i.csv",
        "--independent-prior",
    )  # fmt: skip
    assert code == 0, output
    assert "prior N(0, 1) each" in output
    correlated, independent = read_rows(workdir / "c.csv"), read_rows(workdir / "i.csv")
    se_c = np.array([float(row["empathy_se"]) for row in correlated])
    se_i = np.array([float(row["empathy_se"]) for row in independent])
    assert np.mean(se_c) < np.mean(se_i)  # the other competencies inform empathy


def test_inconsistent_most_least_answers_are_named(workdir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "candidate_id,SO-002.most,SO-002.least\nc1,A,B\nc2,C,C\nc3,,\n", encoding="utf-8"
    )
    code, output = run("calibrate", path, "--model", "nrm", "--out", tmp_path / "m.json")
    assert code == 1
    assert "item SO-002, row 2 (candidate 'c2'): the same option is picked" in output
    assert "bad.csv" in output
    path.write_text("candidate_id,SO-002.most,SO-002.least\nc1,A,\n", encoding="utf-8")
    code, output = run("score", path, "--model", workdir / "joint.json", "--out", tmp_path / "s")
    assert code == 1
    assert "candidate 'c1'): the least pick is missing" in output
    path.write_text("candidate_id,SO-002.most\nc1,A\n", encoding="utf-8")
    code, output = run("score", path, "--model", workdir / "joint.json", "--out", tmp_path / "s")
    assert code == 1
    assert "column 'SO-002.most' has no partner column" in output
    assert "Traceback" not in output


def test_simulate_draws_from_the_models_latent_correlation(workdir: Path, tmp_path: Path) -> None:
    import numpy as np

    model = workdir / "joint.json"
    if not model.exists():
        run("calibrate", workdir / "data.csv", "--model", "gpcm", "--out", model, "--no-se")
    code, output = run(
        "simulate", "--model", model, "--n", "4000", "--seed", "1", "--out", tmp_path / "d.csv",
        "--theta-out", tmp_path / "t.csv",
    )  # fmt: skip
    assert code == 0, output
    rows = read_rows(tmp_path / "t.csv")
    theta = np.array([[float(v) for k, v in row.items() if k != "candidate_id"] for row in rows])
    matrix = np.array(json.loads(model.read_text("utf-8"))["latent_correlation"])
    np.testing.assert_allclose(np.corrcoef(theta.T), matrix, atol=0.05)
    data = read_rows(tmp_path / "d.csv")
    assert all(row["SO-002.most"] != row["SO-002.least"] for row in data)


def test_calibrate_offers_every_base_model_of_the_registry_and_no_other() -> None:
    from scoring.models import BASE_MODELS

    code, output = run("calibrate", "--help")
    assert code == 0
    assert "[" + "|".join(BASE_MODELS) + "]" in output
    code, output = run("calibrate", "data.csv", "--model", "rasch", "--out", "m.json")
    assert code == 2
    assert "'rasch' is not one of " + ", ".join(BASE_MODELS) in " ".join(output.split())


@pytest.mark.parametrize("codes", [["A", "1", "C", "D"], ["W", "X", "Y", "Z"]])
def test_a_model_file_coding_a_bank_item_by_other_codes_is_refused_naming_it(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codes: list[str]
) -> None:
    """The model file is at fault, not the data: score and promote name it, the item, the
    wrong codes and the bank's options."""
    monkeypatch.setenv("SJT_DATABASE_URL", f"sqlite:///{tmp_path / 'sjt.db'}")
    document = json.loads((workdir / "synthetic.json").read_text(encoding="utf-8"))
    [item] = [item for item in document["items"] if item["item_id"] == "EM-002"]
    assert [c["code"] for c in item["categories"]] == ["A", "B", "C", "D"]
    for category, code in zip(item["categories"], codes, strict=True):
        category["code"] = code
    model = tmp_path / "recoded.json"
    model.write_text(json.dumps(document), encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(
        "\n".join((workdir / "data.csv").read_text(encoding="utf-8").splitlines()[:6]) + "\n",
        encoding="utf-8",
    )
    wrong = ", ".join(code for code in codes if code not in "ABCD")
    for args in (
        ("score", data, "--model", model, "--out", tmp_path / "s.csv"),
        ("model", "promote", model, "--note", "recoded"),
    ):
        code, output = run(*args)
        assert code == 1, output
        assert f"{model}: item EM-002: category codes {', '.join(codes)} ({wrong} " in output
        assert "the bank's item EM-002 has options A, B, C, D" in output
        assert "data.csv" not in output
