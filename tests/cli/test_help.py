"""``sjt --help`` lists each command with its summary as one flowing sentence."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import build_app


@pytest.mark.parametrize("group", [[], ["bank"], ["model"]])
def test_command_summaries_are_not_broken_where_the_docstring_wraps(group: list[str]) -> None:
    result = CliRunner().invoke(build_app(), [*group, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if line.startswith("│ ")]
    assert any("Commands" in line for line in result.output.splitlines()), result.output
    # At 400 columns nothing needs wrapping: a summary on a row of its own is a docstring break.
    continuation = [row for row in rows if row[2:].startswith(" ") and row.strip("│ ")]
    assert continuation == [], result.output
