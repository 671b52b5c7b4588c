"""Turn user errors into one clear paragraph on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from assessment.errors import AssessmentError

P = ParamSpec("P")
R = TypeVar("R")

USER_ERRORS: tuple[type[Exception], ...] = (
    ValueError, OSError, KeyError, LookupError, AssessmentError,
)  # fmt: skip
"""Exceptions that mean bad input or a refused operation (a broken rule of the service, such as
promoting without a note); each project error class derives from one of these."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error paragraph and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so that bad input ends it with a message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except USER_ERRORS as error:
            text = str(error).strip() or type(error).__name__
            if isinstance(error, OSError) and error.filename:
                text = f"{error.filename}: {error.strerror}"
            typer.echo(f"error: {text}", err=True)
            sys.stderr.flush()
            raise typer.Exit(1) from None

    return wrapper
