"""``sjt report``: one candidate (English, Chinese, feedback), all candidates, and user errors."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.recruiting.overview import CandidateRow, candidate_overview
from cli.main import app
from items import load_bank

runner = CliRunner()
requires_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with eight demo candidates, one invited candidate and one who has
    started the test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report_cli') / 'cli.db'}"
    store = Store.open(url)
    seed_demo(store, load_bank(), 8)
    store.create_invitation(store.add_candidate("Ivy Invited"))
    _, token = store.create_invitation(store.add_candidate("Sid Started"))
    version = store.active_model_version()
    assert version is not None
    store.start_session(store.resolve_token(token), "en", version.id)
    store.engine.dispose()
    return url


@pytest.fixture
def rows(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CandidateRow]]:
    """The overview of the seeded database, which ``sjt`` uses through SJT_DATABASE_URL."""
    monkeypatch.setenv("SJT_DATABASE_URL", seeded_url)
    store = Store.open(seeded_url)
    yield candidate_overview(store)
    store.engine.dispose()


def run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.output


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, check=True, text=True, timeout=60,
    ).stdout  # fmt: skip


def completed_id(rows: list[CandidateRow]) -> str:
    return next(row.candidate_id for row in rows if row.status == "completed")


@requires_pdftotext
@pytest.mark.parametrize(("lang", "title"), [("en", "Candidate profile"), ("zh", "候选人测评报告")])
def test_report_for_one_candidate(
    rows: list[CandidateRow], tmp_path: Path, lang: str, title: str
) -> None:
    candidate = completed_id(rows)
    out = tmp_path / f"{lang}.pdf"
    code, output = run("report", "--candidate", candidate, "--out", out, "--lang", lang)
    assert code == 0, output
    assert f"wrote {out}" in output
    text = text_of(out)
    assert candidate in text
    assert title in text


@requires_pdftotext
def test_feedback_report_for_one_candidate(rows: list[CandidateRow], tmp_path: Path) -> None:
    out = tmp_path / "feedback.pdf"
    code, output = run(
        "report", "--candidate", completed_id(rows), "--out", out, "--feedback", "--lang", "en"
    )
    assert code == 0, output
    assert "feedback" in text_of(out).lower()


def test_report_all_writes_one_file_per_completed_candidate(
    rows: list[CandidateRow], tmp_path: Path
) -> None:
    folder = tmp_path / "profiles"
    code, output = run("report", "--all", "--out-dir", folder, "--lang", "en")
    assert code == 0, output
    completed = {row.candidate_id for row in rows if row.status == "completed"}
    written = {path.stem for path in folder.glob("*.pdf")}
    assert written == completed
    assert all(path.read_bytes().startswith(b"%PDF-") for path in folder.glob("*.pdf"))
    assert f"wrote {len(completed)} profiles" in output
    for row in rows:
        if row.status != "completed":
            assert f"{row.candidate_id} ({row.status})" in output
    assert "skipped" in output


def test_unknown_candidate_exits_1_with_a_message(rows: list[CandidateRow], tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, output = run("report", "--candidate", "C0000000000", "--out", out)
    assert code == 1
    assert "error: no candidate has the id 'C0000000000'" in output
    assert "Traceback" not in output
    assert not out.exists()


def test_candidate_without_a_completed_test_exits_1(
    rows: list[CandidateRow], tmp_path: Path
) -> None:
    started = next(row.candidate_id for row in rows if row.status == "started")
    code, output = run("report", "--candidate", started, "--out", tmp_path / "x.pdf")
    assert code == 1
    assert f"candidate {started} has no completed test yet (status: started)" in output


@pytest.mark.parametrize(
    "args",
    [
        ("report",),
        ("report", "--candidate", "C1", "--all", "--out-dir", "d"),
        ("report", "--candidate", "C1"),
        ("report", "--all", "--out", "x.pdf"),
    ],
)
def test_wrong_combinations_of_options_are_explained(
    rows: list[CandidateRow], args: tuple[str, ...]
) -> None:
    code, output = run(*args)
    assert code == 2  # a command-line error, as docs/file-formats.md states
    assert output.startswith("Usage: ")
    assert "\nerror: " in output
    assert "--out" in output
    assert "Traceback" not in output


def test_an_output_in_a_missing_folder_is_refused_not_created(
    rows: list[CandidateRow], tmp_path: Path
) -> None:
    code, output = run(
        "report", "--candidate", completed_id(rows), "--out", tmp_path / "missing" / "x.pdf"
    )
    assert code == 2  # an output option naming a folder that does not exist (file-formats)
    assert f"the folder '{tmp_path / 'missing'}' does not exist" in output
    assert not (tmp_path / "missing").exists()


def test_an_out_dir_that_is_a_file_is_said_to_be_one(
    rows: list[CandidateRow], tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    code, output = run("report", "--all", "--out-dir", afile)
    assert code == 1
    assert f"--out-dir '{afile}' is a file, not a folder" in output
    assert "File exists" not in output
