"""Command-line options that several ``sjt`` commands take, declared once so their flag and
help text stay the same everywhere."""

from __future__ import annotations

from enum import StrEnum
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
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who acts (the name kept in the audit log).")
]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Random seed.")]
ModelOutOption = Annotated[Path, typer.Option("--out", help="Model file (JSON) to write.")]


class LanguageChoice(StrEnum):
    """The ``Language`` vocabulary (``assessment.vocabulary``) as choices typer can offer."""

    en = "en"
    zh = "zh"


class FormChoice(StrEnum):
    """The ``Form`` vocabulary (``assessment.vocabulary``) as choices typer can offer."""

    adaptive = "adaptive"
    fixed = "fixed"


__all__ = [
    "ActorOption",
    "BankOption",
    "CandidateOption",
    "FormChoice",
    "LanguageChoice",
    "ModelOutOption",
    "SeedOption",
]
