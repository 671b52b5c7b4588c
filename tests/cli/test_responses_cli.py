"""``sjt responses``: the collected responses as a response data file that ``sjt calibrate``
and ``sjt item-analysis`` read, without flagged or synthetic sessions unless asked, ids only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import read_response_csv, response_forms
from assessment.psychometrics.versions import collected_responses
from items import load_bank
from items.scoring_map import item_specs
from tests.cli.conftest import run, seeded_database, use_copy_of


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the synthetic model active and twelve demo candidates."""
    return seeded_database(tmp_path_factory.mktemp("responses-cli"), 12, seed=5)


@pytest.fixture
def store(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return Store.open(use_copy_of(seeded_file, tmp_path, monkeypatch))


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def make_real(store: Store, candidate_ids: list[str]) -> None:
    """Turn demo candidates into real ones (the demo only makes synthetic candidates)."""
    with store.engine.begin() as connection:
        for candidate_id in candidate_ids:
            connection.exec_driver_sql(
                "UPDATE candidates SET synthetic = 0, display_name = 'Ann =Example', "
                "email = 'ann@example.org' WHERE id = ?",
                (candidate_id,),
            )


def test_the_exported_responses_are_read_by_calibrate_and_item_analysis(
    store: Store, tmp_path: Path, seeded_file: Path
) -> None:
    data_file = tmp_path / "responses.csv"
    code, output = run("responses", "--out", data_file, "--include-synthetic", "--include-flagged")
    assert code == 0, output
    collected = collected_responses(store, load_bank(), EVERY_COMPLETED_SESSION)
    rows = rows_of(data_file)
    assert [row["candidate_id"] for row in rows] == list(collected.candidate_ids)
    assert f"wrote {len(rows)} completed candidates; none left out" in output
    header = list(rows[0])
    assert header[0] == "candidate_id"
    assert any(name.endswith(".most") for name in header)
    assert header[-1] == "_form"  # each session's recorded form, for a re-norm from this file
    assert {row["_synthetic"] for row in rows} == {"true"}  # demo candidates: a model says so
    assert [row["_form"] for row in rows] == list(collected.forms)
    loaded = read_response_csv(data_file, specs=item_specs(load_bank()))
    assert response_forms(loaded, str(data_file)) == collected.forms
    report = tmp_path / "items.csv"
    code, output = run(
        "item-analysis", data_file, "--model", seeded_file.parent / "model.json", "--out", report
    )
    assert code == 0, output
    assert rows_of(report)
    # eleven adaptive demo tests: only the items five of them answered can be calibrated
    code, output = run(
        "calibrate", data_file, "--model", "gpcm", "--out", tmp_path / "model.json",
        "--min-answers", "5", "--max-iter", "5", "--no-se", "--allow-nonconverged", "--quiet",
    )  # fmt: skip
    assert code == 0, output
    assert (tmp_path / "model.json").exists()


def test_flagged_and_synthetic_sessions_are_left_out_and_counted_and_names_never_written(
    store: Store, tmp_path: Path
) -> None:
    everything = collected_responses(store, load_bank(), EVERY_COMPLETED_SESSION)
    flags = {s: state.flags for s, state in store.completed_session_states().items()}
    real = [
        candidate
        for session, candidate in zip(everything.session_ids, everything.candidate_ids, strict=True)
        if not flags.get(session, {}).get("raised")
    ][:5]
    make_real(store, real)
    data_file = tmp_path / "responses.csv"
    code, output = run("responses", "--out", data_file)
    assert code == 0, output
    rows = rows_of(data_file)
    assert sorted(row["candidate_id"] for row in rows) == sorted(real)
    flagged = len(everything.session_ids) - len(collected_responses(store, load_bank()).session_ids)
    left_out = [f"{len(everything.session_ids) - 5 - flagged} of synthetic demo candidates"]
    if flagged:
        left_out.insert(0, f"{flagged} with data-quality flags")
    assert f"wrote 5 completed candidates; left out {', '.join(left_out)}" in output
    text = data_file.read_text(encoding="utf-8")
    assert "Ann" not in text
    assert "example.org" not in text
    assert store.audit_entries("export.responses")[0].detail["candidates"] == 5
    code, output = run("responses", "--out", data_file, "--form", "fixed")
    assert code == 0, output
    assert rows_of(data_file) == []
    code, output = run("responses", "--out", data_file, "--since", "6.12.2026")
    assert code == 2
    code, output = run(
        "responses", "--out", data_file, "--since", "2026-02-01", "--until", "2026-01-31"
    )
    assert code == 1
    assert "from 2026-02-01 until 2026-01-31: the last day is before the first" in output


def test_score_compares_each_respondent_with_their_forms_norms_as_the_database_does(
    store: Store, tmp_path: Path
) -> None:
    data_file, model, scores = tmp_path / "data.csv", tmp_path / "m.json", tmp_path / "s.csv"
    assert run("responses", "--out", data_file, "--include-synthetic", "--include-flagged")[0] == 0
    assert run("model", "export", "--out", model)[0] == 0
    code, output = run("score", data_file, "--model", model, "--out", scores)
    assert code == 0, output
    assert run("scores", "--out", tmp_path / "db.csv")[0] == 0
    stored = {
        row["candidate_id"]: row
        for row in csv.DictReader(io.StringIO((tmp_path / "db.csv").read_text("utf-8-sig")))
    }
    forms = {row["candidate_id"]: row["_form"] for row in rows_of(data_file)}
    assert "fixed" in forms.values()
    for row in rows_of(scores):
        for competency in ("empathy", "integrity"):
            assert float(row[f"{competency}_t"]) == pytest.approx(
                float(stored[row["candidate_id"]][f"{competency}_t"]), abs=0.06
            ), (row["candidate_id"], forms[row["candidate_id"]])
    text = data_file.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].rsplit(",", 1)[0] + ",fixd"
    data_file.write_text("\n".join(text) + "\n", encoding="utf-8")
    code, output = run("score", data_file, "--model", model, "--out", scores)
    assert code == 1
    assert "line 3, candidate" in output
    assert "column '_form': form must be one of adaptive, fixed, got 'fixd'" in output
