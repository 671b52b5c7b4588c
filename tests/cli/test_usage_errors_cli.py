"""Command-line mistakes exit 2 with the usage line (docs/file-formats.md, exit codes), and
an output option naming a folder is explained by option and path for every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run


def test_bank_and_item_map_together_is_a_command_line_error(tmp_path: Path) -> None:
    data, mapping = tmp_path / "data.csv", tmp_path / "map.csv"
    data.write_text("candidate_id,Q1\nc1,0\n", encoding="utf-8")
    mapping.write_text("item_id,dimension\nQ1,empathy\n", encoding="utf-8")
    code, output = run(
        "calibrate", data, "--model", "gpcm", "--out", tmp_path / "m.json",
        "--bank", tmp_path, "--item-map", mapping,
    )  # fmt: skip
    assert code == 2
    assert "Usage: " in output
    assert "error: give either --bank or --item-map, not both" in output


def test_a_correlation_out_of_range_is_a_command_line_error(tmp_path: Path) -> None:
    code, output = run("bank", "synthetic-model", "--out", tmp_path / "m.json")
    assert code == 0, output
    code, output = run(
        "simulate", "--model", tmp_path / "m.json", "--n", "5", "--seed", "1",
        "--out", tmp_path / "d.csv", "--correlation", "1.5",
    )  # fmt: skip
    assert code == 2
    assert "error: --correlation: " in output
    assert not (tmp_path / "d.csv").exists()


OUTPUT_COMMANDS = [
        ("score", "DATA.csv", "--model", "M.json", "--out", "{dir}"),
        ("item-analysis", "DATA.csv", "--model", "M.json", "--out", "{dir}"),
        ("calibrate", "DATA.csv", "--model", "gpcm", "--out", "{dir}"),
        ("simulate", "--model", "M.json", "--n", "5", "--seed", "1", "--out", "{dir}"),
        ("simulate", "--model", "M.json", "--n", "5", "--seed", "1", "--out", "{dir}/d.csv",
         "--theta-out", "{dir}"),
        ("cat-sim", "--n", "5", "--out", "{dir}"),
        ("bank", "schema", "--out", "{dir}"),
        ("bank", "sme-template", "--out", "{dir}"),
        ("model", "export", "--out", "{dir}"),
        ("scores", "--out", "{dir}"),
        ("report", "--candidate", "C1", "--out", "{dir}"),
        ("export", "--candidate", "C1", "--out", "{dir}"),
        ("backup", "--out", "{dir}"),
        ("responses", "--out", "{dir}"),
]  # fmt: skip
"""Every command with an output file option, ``{dir}`` where the file goes."""


@pytest.mark.parametrize("args", OUTPUT_COMMANDS)
def test_an_output_option_naming_a_folder_is_explained(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    code, output = run(*(arg.replace("{dir}", str(folder)) for arg in args))
    flag = "--theta-out" if "--theta-out" in args else "--out"
    assert code == 2, output
    assert f"error: {flag} '{folder}' is a folder; {flag} names the file to write" in output
    assert "Device or resource busy" not in output
    assert "Traceback" not in output
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("args", OUTPUT_COMMANDS)
def test_an_output_file_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A mistyped folder is never created silently (nor a file's name used as a folder)."""
    for folder in (tmp_path / "missing" / "dir", tmp_path / "afile"):
        if folder.name == "afile":
            folder.write_text("", encoding="utf-8")
        target = folder / "y.csv"
        if "--theta-out" in args:
            given = [a.replace("{dir}/d.csv", str(tmp_path / "d.csv")) for a in args]
            given = [a.replace("{dir}", str(target)) for a in given]
        else:
            given = [a.replace("{dir}", str(target)) for a in args]
        code, output = run(*given)
        flag = "--theta-out" if "--theta-out" in args else "--out"
        what = "is a file, not a folder" if folder.name == "afile" else "does not exist"
        assert code == 2, output
        assert f"error: {flag} '{target}': the folder '{folder}' {what}" in output
        assert "Traceback" not in output
    assert not (tmp_path / "missing").exists()


INPUT_AS_OUTPUT = [
    "score {in} --model M.json --out {in}",
    "score DATA.csv --model {in} --out {in}",
    "item-analysis {in} --model M.json --out {in}",
    "calibrate {in} --model gpcm --out {in}",
    "simulate --model {in} --n 5 --seed 1 --out {in}",
    "bank sme-import {in} --out {in}",
]
"""Commands given one existing file both to read and (``--out``) to write."""


@pytest.mark.parametrize("args", INPUT_AS_OUTPUT)
def test_an_output_option_naming_an_input_file_is_refused(tmp_path: Path, args: str) -> None:
    """Writing the result over the file it is computed from would lose that file."""
    given = tmp_path / "input.csv"
    given.write_text("candidate_id,Q1\nc1,0\n", encoding="utf-8")
    code, output = run(*args.replace("{in}", str(given)).split())
    assert code == 2, output
    assert f"error: --out '{given}' is also an input of this command" in output
    assert "Traceback" not in output
    assert given.read_text(encoding="utf-8") == "candidate_id,Q1\nc1,0\n"


def test_two_output_options_naming_one_file_are_refused(tmp_path: Path) -> None:
    code, output = run("bank", "synthetic-model", "--out", tmp_path / "m.json")
    assert code == 0, output
    target = tmp_path / "d.csv"
    code, output = run(
        "simulate", "--model", tmp_path / "m.json", "--n", "5", "--seed", "1",
        "--out", target, "--theta-out", tmp_path / "." / "d.csv",
    )  # fmt: skip
    assert code == 2, output
    assert f"error: --theta-out '{tmp_path / 'd.csv'}' is also written as --out" in output
    assert not target.exists()


@pytest.mark.parametrize("command", ["simulate --model M.json --n 5 --out d.csv", "cat-sim --n 5"])
def test_a_negative_seed_is_a_command_line_error(tmp_path: Path, command: str) -> None:
    code, output = run(*command.split(), "--seed", "-1")
    assert code == 2, output
    assert "Invalid value for '--seed'" in output
    assert "expected non-negative integer" not in output
