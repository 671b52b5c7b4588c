"""Every ``sjt`` misuse of issue 11 (finding 10) ends in one paragraph, a non-zero exit and an
unchanged database; never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessment.persistence.backup import backup_database, table_counts
from assessment.persistence.store import Store
from cli.main import app
from tests.assessment.conftest import store_at_revision
from tests.cli.conftest import seeded_database, use_copy_of

runner = CliRunner()


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the synthetic model active and four demo candidates."""
    return seeded_database(tmp_path_factory.mktemp("cli-errors"), 4)


@pytest.fixture
def database(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return use_copy_of(seeded_file, tmp_path, monkeypatch)


@pytest.fixture
def model(seeded_file: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((seeded_file.parent / "model.json").read_text())
    return loaded


def counts(url: str) -> dict[str, int]:
    store = Store.open(url)
    try:
        return table_counts(store.engine)
    finally:
        store.engine.dispose()


def refused(*args: str | Path) -> str:
    """Run ``sjt`` with ``args``; assert a clean refusal and return the message."""
    result = runner.invoke(app, [str(arg) for arg in args])
    output = result.output
    assert result.exit_code != 0, output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception}"
    )
    assert "Traceback" not in output
    if result.exit_code == 2:  # a usage error found by the option parser: also one message
        assert "Invalid value" in output, output
        return output
    assert output.startswith("error: "), output
    assert output.strip().count("\n\n") == 0  # one paragraph
    return output


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_rollback_without_an_earlier_version(database: str) -> None:
    before = counts(database)
    assert "no earlier model version" in refused("model", "rollback", "--reason", "test")
    assert counts(database) == before


def test_promote_a_model_with_a_nan_parameter(database: str, model: dict, tmp_path: Path) -> None:
    items = model["items"]
    items[0]["categories"][0]["slope"] = math.nan  # json.dumps writes NaN
    before = counts(database)
    message = refused("model", "promote", write(tmp_path, "nan.json", model), "--note", "x")
    assert "must be a finite number" in message
    assert items[0]["item_id"] in message
    assert counts(database) == before


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("items", 0, "categories", 1, "slope"), 1e308, "1e+308 is not a parameter of a fitted"),
        (("items", 0, "categories", 2, "intercept"), -2e4, "-20000 is not a parameter of a"),
        (("norms", "empathy", "mean"), 1e308, "mean 1e+308 lies outside the quantiles' range"),
        (("norms", "empathy", "sd"), 1e-308, "sd 1e-308 is impossible for"),
    ],
)
def test_score_with_an_absurd_parameter_or_norm(
    model: dict, tmp_path: Path, path: tuple[str | int, ...], value: float, expected: str
) -> None:
    """Finite but absurd numbers used to overflow (a warning, then a message about an ``inf``
    the file does not hold) or to print T-scores of 300 digits with exit 0."""
    data = write(tmp_path, "d.csv", "candidate_id,SO-001\nc1,A\n")
    target: Any = model
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    out = tmp_path / "s.csv"
    message = refused("score", data, "--model", write(tmp_path, "m.json", model), "--out", out)
    assert expected in message
    assert not out.exists()


def test_promote_a_model_without_norms(database: str, model: dict, tmp_path: Path) -> None:
    del model["norms"]
    before = counts(database)
    message = refused("model", "promote", write(tmp_path, "plain.json", model), "--note", "x")
    assert "no norm tables" in message
    assert counts(database) == before


def test_rescore_with_an_unknown_version(database: str) -> None:
    before = counts(database)
    assert "no model version 'nope'" in refused("rescore", "--model-version", "nope")
    assert counts(database) == before


def test_fairness_by_an_unknown_field(database: str) -> None:
    assert "unknown group field 'bogus'" in refused("fairness", "--field", "bogus")


def test_fairness_with_fewer_than_two_groups(database: str) -> None:
    assert "fewer than two groups" in refused("fairness", "--field", "gender")


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "command",
    [
        ("model", "promote", "{file}", "--note", "x"),
        ("score", "{data}", "--model", "{file}", "--out", "{out}"),
        ("simulate", "--model", "{file}", "--n", "5", "--seed", "1", "--out", "{out}"),
    ],
)
def test_a_deeply_nested_model_file(
    database: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    deep = write(tmp_path, "deep.json", DEEP)
    data = write(tmp_path, "data.csv", "candidate_id,SO-001\nc1,A\n")
    args = [part.format(file=deep, data=data, out=tmp_path / "out.csv") for part in command]
    before = counts(database)
    assert "nested too deeply" in refused(*args)
    assert counts(database) == before
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("command", ["simulate --seed 1", "cat-sim"])
def test_more_respondents_than_memory_holds(
    seeded_file: Path, tmp_path: Path, command: str
) -> None:
    model = seeded_file.parent / "model.json"
    out = tmp_path / "out.csv"
    message = refused(*command.split(), "--n", "999999999999999", "--model", model, "--out", out)
    assert "not enough memory for this run" in message
    assert not out.exists()


@pytest.mark.parametrize("days", ["inf", "nan", "1e308"])
def test_purge_with_an_impossible_age(database: str, days: str) -> None:
    before = counts(database)
    message = refused("purge", "--older-than", days)
    assert "--older-than must be a number of days" in message or "'--older-than'" in message
    assert counts(database) == before


def test_invite_valid_for_an_impossible_time(database: str) -> None:
    before = counts(database)
    assert "'--days'" in refused("invite", "--days", "1e308")
    assert counts(database) == before


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("bogus", "cannot be used"),
        ("bogus://x", "cannot be used"),
        ("postgresql+psycopg://sjt:{pw}@127.0.0.1:1/sjt", "cannot be used"),
        ("sqlite:///{tmp}/a-file/sjt.db", "a-file"),
    ],
)
def test_a_bad_database_url(
    url: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SJT_DATABASE_URL", url.format(tmp=tmp_path, pw="s3cret-pw"))
    for command in (["invite"], ["model", "list"], ["backup", "--out", str(tmp_path / "b.jsonl")]):
        message = refused(*command)
        assert expected in message
        assert "s3cret-pw" not in message
        assert "SJT_DATABASE_URL" in message or "a-file" in message


def test_every_command_is_behind_the_error_boundary() -> None:
    from cli.errors import _GUARDED

    def callbacks(typer_app: object) -> list[object]:
        found = [info.callback for info in typer_app.registered_commands]  # type: ignore[attr-defined]
        for group in typer_app.registered_groups:  # type: ignore[attr-defined]
            found += callbacks(group.typer_instance)
        return found

    unguarded = [c for c in callbacks(app) if not getattr(c, _GUARDED, False)]
    assert not unguarded


def damaged_copy(path: Path, out: Path) -> Path:
    """``path`` with its first candidate row repeated (a duplicate primary key)."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    first = next(line for line in lines if line.get("t") == "candidates")
    lines.insert(lines.index(first) + 1, first)
    lines[-1]["counts"]["candidates"] += 1
    out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return out


def older_revision_backup(tmp_path: Path) -> Path:
    old = store_at_revision(f"sqlite:///{tmp_path / 'old.db'}", "0001")
    try:
        old.create_invitation(old.add_candidate("Ada Lovelace", "ada@example.com"))
        return backup_database(old, tmp_path / "old.jsonl").path
    finally:
        old.engine.dispose()


@pytest.mark.parametrize("revision", ["current", "older"])
def test_restore_of_a_corrupt_backup(database: str, tmp_path: Path, revision: str) -> None:
    if revision == "current":
        result = runner.invoke(app, ["backup", "--out", str(tmp_path / "good.jsonl")])
        assert result.exit_code == 0, result.output
        good = tmp_path / "good.jsonl"
    else:
        good = older_revision_backup(tmp_path)
    bad = damaged_copy(good, tmp_path / "bad.jsonl")
    before = counts(database)
    message = refused("restore", "--yes", bad)
    assert "same primary key" in message
    assert "IntegrityError" not in message
    assert "Ada" not in message
    assert "@" not in message
    assert counts(database) == before


def test_rollback_without_a_reason_is_refused(database: str) -> None:
    before = counts(database)
    missing = runner.invoke(app, ["model", "rollback"])
    assert missing.exit_code == 2
    assert "Missing option '--reason'" in missing.output
    assert "a reason for the rollback is required" in refused("model", "rollback", "--reason", " ")
    assert counts(database) == before


def test_fairness_cut_without_the_cut_basis(database: str) -> None:
    message = refused("fairness", "--field", "gender", "--cut", "50")
    assert "add --basis cut" in message
