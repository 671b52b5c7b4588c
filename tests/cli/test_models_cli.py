"""``sjt scores``, ``sjt model renorm``, guarded ``sjt model promote`` and ``rollback --reason``
(with its rescore hint and ``--rescore``) from the command line (issue 13): exit codes, what
is written, what the audit log keeps."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import CliRunner

from assessment.demo import SYNTHETIC_LABEL, synthetic_responses
from assessment.model_document import ModelDocument
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import write_response_csv
from assessment.psychometrics.versions import scores_from_other_versions
from cli.main import app
from cli.models import EXIT_PROMOTION_REFUSED
from items import COMPETENCIES, load_bank
from items.scoring_map import split_most_least, synthetic_model
from reports.profile import OverallBand
from tests.assessment.psychometrics.conftest import calibration_of
from tests.assessment.psychometrics.test_renorm import with_random_pickers
from tests.cli.conftest import seeded_database, use_copy_of

runner = CliRunner()


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the synthetic model active and sixteen demo candidates: enough
    pass the data-quality checks for a re-norm sample to determine the five correlations."""
    return seeded_database(tmp_path_factory.mktemp("models-cli"), 16, seed=5)


@pytest.fixture
def store(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return Store.open(use_copy_of(seeded_file, tmp_path, monkeypatch))


def sjt(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_scores_writes_the_recruiters_export_of_completed_candidates(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "scores.csv"
    code, output = sjt("scores", "--out", out)
    assert code == 0, output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM of the download
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(store.current_scores_of_completed()) > 0
    assert f"wrote {len(rows)} completed candidates" in output
    for row in rows:
        assert row["model_version"] == SYNTHETIC_LABEL
        assert row["band"] in get_args(OverallBand)  # the profile's bands, incl. borderline
        assert all(row[f"{c}_t"] for c in COMPETENCIES)
    assert store.audit_entries("export.scores")[0].detail["candidates"] == len(rows)
    code, output = sjt("scores", "--out", out, "--model-version", "v9")
    assert code == 1
    assert "no model version 'v9'" in output
    assert SYNTHETIC_LABEL in output


def test_renorm_previews_without_yes_refuses_a_tiny_sample_and_applies_with_yes(
    store: Store,
) -> None:
    base = ("model", "renorm", "--sample", "collected", "--name", "demo 2026")
    code, output = sjt(*base, "--reason", "local norms")
    assert code == 1
    assert "at least 200" in output  # the documented minimum
    code, output = sjt(*base, "--reason", "local norms", "--min-sample", "2")
    assert code == 0, output
    assert "would change band" in output
    assert "preview only: nothing changed" in output
    assert "Forms: as recorded for every respondent" in output  # the sessions' own forms
    assert [v.label for v in store.model_versions()] == [SYNTHETIC_LABEL]
    assert store.audit_entries("model.renorm") == []
    code, output = sjt(*base, "--reason", "local norms", "--min-sample", "2", "--yes")
    assert code == 0, output
    active = store.active_model_document()
    assert active is not None
    assert active.label == "v1"
    assert active.document.renormed_from == SYNTHETIC_LABEL
    assert active.document.norm_reference is not None
    assert active.document.norm_reference.sample == "demo 2026"
    detail = store.audit_entries("model.renorm")[0].detail
    assert (detail["reason"], detail["minimum"]) == ("local norms", 2)


def runaway_model(seeded_file: Path, tmp_path: Path) -> Path:
    """The synthetic model with its first item's slopes multiplied by 100."""
    document = ModelDocument.from_json((seeded_file.parent / "model.json").read_text())
    first = document.items[0]
    assert first.categories is not None
    runaway = first.model_copy(
        update={"categories": tuple(c.model_copy(update={"slope": 100 * c.slope})
                                    for c in first.categories)}
    )  # fmt: skip
    path = tmp_path / "runaway.json"
    path.write_text(document.with_changes(items=[runaway, *document.items[1:]]).to_json())
    return path


def test_promotion_is_refused_with_exit_4_unless_forced_with_a_reason(
    store: Store, seeded_file: Path, tmp_path: Path
) -> None:
    model = runaway_model(seeded_file, tmp_path)
    first_id = json.loads(model.read_text())["items"][0]["item_id"]
    code, output = sjt("model", "promote", model, "--note", "recalibration")
    assert code == EXIT_PROMOTION_REFUSED == 4
    assert "promotion refused" in output
    assert first_id in output
    assert "effective slope" in output
    assert "check the items with implausible parameters" in output  # advice that fits
    assert "too few answers" not in output
    code, output = sjt("model", "promote", model, "--note", "recalibration", "--force")
    assert code == 1
    assert "needs a written reason" in output
    assert [v.label for v in store.model_versions()] == [SYNTHETIC_LABEL]
    code, output = sjt(
        "model", "promote", model, "--note", "recalibration", "--force",
        "--reason", "slope checked by hand",
    )  # fmt: skip
    assert code == 0, output
    detail = store.audit_entries("model.promote")[0].detail
    assert detail["forced"] is True
    assert detail["reason"] == "slope checked by hand"
    assert {p["kind"] for p in detail["problems"]} == {"implausible_slope"}
    code, output = sjt("model", "rollback")
    assert code == 2
    assert "Missing option '--reason'" in output
    code, output = sjt("model", "rollback", "--reason", "runaway slope after all")
    assert code == 0, output
    assert store.audit_entries("model.activate")[0].detail == {"note": "runaway slope after all"}
    active = store.active_model_version()
    assert active is not None
    assert active.label == SYNTHETIC_LABEL


def test_renorm_refuses_a_sample_file_with_a_mistyped_item_column(
    store: Store, tmp_path: Path
) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("candidate_id,SO-001,SO-0O3\nr1,A,B\nr2,B,C\n", encoding="utf-8")
    code, output = sjt("model", "renorm", "--sample", sample, "--name", "typo", "--reason", "x")
    assert code == 1
    assert "SO-0O3" in output  # named, not silently dropped with its answers
    assert store.audit_entries("model.renorm") == []


def test_renorm_on_a_response_file_leaves_out_answers_like_random_picking(
    store: Store, tmp_path: Path
) -> None:
    bank = load_bank()
    drawn = synthetic_responses(bank, n=40, seed=21, joint=True)
    mixed = split_most_least(with_random_pickers(drawn, 10, seed=22), synthetic_model(bank))
    sample = tmp_path / "mixed.csv"
    write_response_csv(sample, [f"r{n}" for n in range(40)], mixed)  # as sjt simulate writes
    base = ("model", "renorm", "--sample", sample, "--name", "mixed", "--reason", "test")
    code, output = sjt(*base, "--min-sample", "2")
    assert code == 0, output
    counted = re.search(r"Left out (\d+) of 40 respondents", output)
    assert counted is not None, output
    left_out = int(counted.group(1))
    assert 10 <= left_out < 20
    assert "cannot be told apart from random picking" in output
    assert f"(n={40 - left_out}," in output
    code, output = sjt(*base, "--min-sample", str(40 - left_out + 1))
    assert code == 1
    assert "pass the data-quality checks" in output
    code, output = sjt(*base, "--min-sample", "2", "--yes")
    assert code == 0, output
    detail = store.audit_entries("model.renorm")[0].detail
    assert (detail["n"], detail["left_out"]) == (40 - left_out, left_out)
    assert detail["left_out_flags"]["random_like"] >= 10


def test_rollback_says_whose_scores_are_current_and_rescores_only_when_asked(
    store: Store, seeded_file: Path
) -> None:
    completed = len(store.current_scores_of_completed())
    code, output = sjt("model", "promote", seeded_file.parent / "model.json", "--note", "again")
    assert code == 0, output
    assert "Simulating the test as delivered under v1" in output  # the wait is explained
    promoted = store.active_model_document()
    assert promoted is not None
    assert promoted.document.simulation is not None
    assert (promoted.document.simulation.provenance or {})["computed_at"] == "promotion"
    assert f"{completed} tested candidates still come from {SYNTHETIC_LABEL}" in output
    assert "run sjt rescore" in output
    assert sjt("rescore")[0] == 0
    code, output = sjt("model", "rollback", "--reason", "drift")
    assert code == 0, output
    assert f"{completed} tested candidates still come from v1, not from the active" in output
    assert f"run sjt rescore to score them with {SYNTHETIC_LABEL}" in output
    renorm = ("model", "renorm", "--sample", "collected", "--name", "demo", "--reason", "x")
    code, output = sjt(*renorm, "--min-sample", "2")
    assert code == 0, output
    synthetic = f"({completed} of them synthetic demo candidates)"
    assert f"of {completed} tested candidates {synthetic} would change band" in output
    code, output = sjt("model", "promote", seeded_file.parent / "model.json", "--note", "v2")
    assert code == 0, output
    code, output = sjt("model", "rollback", "--reason", "again", "--rescore", "--actor", "psy")
    assert code == 0, output
    assert f"rescored {completed} completed sessions with {SYNTHETIC_LABEL}" in output
    assert "still come from" not in output
    entry = next(e for e in store.audit_entries("model.rescore") if e.actor == "psy")
    assert (entry.target, entry.detail) == (SYNTHETIC_LABEL, {"sessions": completed})
    others = scores_from_other_versions(store)
    assert others is not None
    assert others.count == 0


def test_promoting_a_calibration_of_one_competency_carries_the_others_over(
    store: Store, seeded_file: Path, tmp_path: Path
) -> None:
    active = ModelDocument.from_json((seeded_file.parent / "model.json").read_text())
    calibrated = calibration_of(active, ("service_orientation",))
    unanswered = calibrated.items[-1].item_id  # an item nobody was given: no parameters
    model = tmp_path / "service-orientation.json"
    model.write_text(calibrated.with_changes(items=calibrated.items[:-1]).to_json())
    code, output = sjt("model", "promote", model, "--note", "one competency", "--no-link")
    assert code == 1
    assert "this calibration covers service orientation only" in output
    assert "must be linked" in output
    other = tmp_path / "other-model.json"
    other.write_text(calibrated.with_changes(model="nrm").to_json())
    for force in ((), ("--force", "--reason", "checked")):
        code, output = sjt("model", "promote", other, "--note", "one competency", *force)
        assert code == 1, output  # cannot be linked: refused whether forced or not
        assert "--force does not override this" in output
        assert "sjt calibrate --model gpcm" in output
    code, output = sjt("model", "promote", model, "--note", "one competency", "--no-carry-over")
    assert code == 1
    assert "no parameters for" in output
    assert [v.label for v in store.model_versions()] == [SYNTHETIC_LABEL]
    code, output = sjt("model", "promote", model, "--note", "one competency")
    assert code == 0, output
    assert "promoted v1; it is now active" in output
    others = [c for c in active.dimensions if c != "service_orientation"]
    assert (
        f"carried over unchanged from {SYNTHETIC_LABEL}: {', '.join(others)} "
        f"({sum(i.dimension in others for i in active.items)} items" in output
    )
    assert f"1 item(s) of the calibrated competencies keep earlier parameters (carried_over): " \
        f"{unanswered}" in output  # fmt: skip
    promoted = store.active_model_document()
    assert promoted is not None
    assert promoted.document.dimensions == active.dimensions
    assert promoted.document.norms == active.norms
    # v1 exported and promoted again covers every competency: nothing is carried over whole
    exported = tmp_path / "v1.json"
    assert sjt("model", "export", "--out", exported)[0] == 0
    assert "carried_competencies" in exported.read_text()  # the file describes v1 truly
    code, output = sjt("model", "promote", exported, "--note", "re-promoted")
    assert code == 0, output
    assert "carried over unchanged" not in output
    assert "of the calibrated competencies" not in output
    again = store.active_model_document()
    assert again is not None
    assert again.label == "v2"
    assert "carried_competencies" not in (again.document.estimation or {})


def test_scores_of_a_version_lists_only_the_candidates_it_scored(
    store: Store, seeded_file: Path, tmp_path: Path
) -> None:
    """A version that scored nobody is refused (no file); its rows never carry another label."""
    code, output = sjt("model", "promote", seeded_file.parent / "model.json", "--note", "again")
    assert code == 0, output
    out = tmp_path / "v1.csv"
    code, output = sjt("scores", "--out", out, "--model-version", "v1")
    assert code == 1
    assert "v1 produced no scores (run sjt rescore --model-version v1" in output
    assert not out.exists()
    code, output = sjt("rescore", "--model-version", "v1")
    assert code == 0, output
    code, output = sjt("scores", "--out", out, "--model-version", "v1")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows
    assert {row["model_version"] for row in rows} == {"v1"}
    assert all(row[f"{c}_t"] for row in rows for c in COMPETENCIES)
