"""``sjt --help`` lists each command with its summary as one flowing sentence."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import FILE_COMMANDS, LAID_OUT, build_app, single_command


@pytest.mark.parametrize("group", [[], ["bank"], ["model"]])
def test_command_summaries_are_not_broken_where_the_docstring_wraps(group: list[str]) -> None:
    result = CliRunner().invoke(build_app(), [*group, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if line.startswith("│ ")]
    assert any("Commands" in line for line in result.output.splitlines()), result.output
    # At 400 columns nothing needs wrapping: a summary on a row of its own is a docstring break.
    continuation = [row for row in rows if row[2:].startswith(" ") and row.strip("│ ")]
    assert continuation == [], result.output


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the (click) tree as the words that call it."""
    if not hasattr(command, "commands"):
        return [prefix]
    return [
        path
        for name, sub in command.commands.items()
        for path in command_paths(sub, (*prefix, name))
    ]


def description(output: str) -> list[str]:
    """The lines of a command's help between its usage line and its first option panel."""
    lines = output.splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip().startswith("Usage:"))
    end = next(n for n, line in enumerate(lines) if line.startswith("╭"))
    return [line.strip() for line in lines[start + 1 : end]]


def test_every_commands_help_text_flows_in_paragraphs() -> None:
    app = build_app()
    paths = command_paths(typer.main.get_command(app))
    assert len(paths) > 20
    broken = []
    for path in paths:
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "3000"})
        assert result.exit_code == 0, path
        lines = description(result.output)
        # at 3000 columns a prose paragraph is one line: two prose lines in a row are a break
        prose = [not line or LAID_OUT.match(line) is not None for line in lines]
        broken += [path for a, b in itertools.pairwise(prose) if not a and not b]
    assert broken == []


@pytest.mark.parametrize("name", sorted(FILE_COMMANDS))
def test_the_fast_file_commands_flow_their_help_too(name: str) -> None:
    result = CliRunner().invoke(single_command(name), ["--help"], env={"COLUMNS": "3000"})
    assert result.exit_code == 0
    lines = description(result.output)
    assert all(not (a and b) for a, b in itertools.pairwise(lines)), lines
