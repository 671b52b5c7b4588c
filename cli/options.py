"""Command-line options that several ``sjt`` commands take, declared once so their flag and
help text stay the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

BankOption = Annotated[
    Path | None,
    typer.Option("--bank", help="Folder of item files (default: the packaged bank)."),
]
CandidateOption = Annotated[
    str | None, typer.Option("--candidate", help="Candidate id (e.g. C1A2B3C4D5E).")
]
ActorOption = Annotated[str, typer.Option("--actor")]

__all__ = ["ActorOption", "BankOption", "CandidateOption"]
