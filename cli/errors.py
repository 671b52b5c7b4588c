"""The command line's error boundary: user and environment errors become one clear paragraph
on stderr and a non-zero exit, never a traceback.

``guard_commands`` wraps every command of the ``sjt`` application in ``user_errors`` once, in
``cli.main``, so a new command is covered without doing anything; ``describe`` is the single
mapping from an exception to its message. Exceptions it does not know are programming errors
and keep their traceback (they need a bug report, not a hint).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from assessment.errors import AssessmentError

P = ParamSpec("P")
R = TypeVar("R")

USER_ERRORS: tuple[type[BaseException], ...] = (
    AssessmentError,  # every error of the assessment package (a RuntimeError)
    ValueError,  # ScoringError, ItemBankError, ReportError, DataFileError, … derive from it
    LookupError,
    OSError,
    ArithmeticError,  # OverflowError: a number too large for a date or an integer
    RecursionError,  # a file nested deeper than Python's parser goes
    MemoryError,  # a size (--n) whose arrays the machine cannot hold
)
"""Exceptions that mean bad input or a broken environment, not a bug (plus the database
failures of ``assessment.persistence.failures``, see ``user_error_types``)."""
_GUARDED = "__sjt_guarded__"


def user_error_types() -> tuple[type[BaseException], ...]:
    """``USER_ERRORS`` plus the database failures once SQLAlchemy is loaded.

    A database failure can only come from SQLAlchemy, so while it is not imported there is
    none to catch; the file commands (``sjt score`` and friends) then start without it.
    """
    if "sqlalchemy" not in sys.modules:
        return USER_ERRORS
    from assessment.persistence.failures import DATABASE_FAILURES

    return USER_ERRORS + DATABASE_FAILURES


def describe(error: BaseException) -> str:
    """The one-paragraph message for a user or environment error."""
    if "sqlalchemy" in sys.modules:
        from assessment.persistence.failures import DATABASE_FAILURES, describe_database_failure

        if isinstance(error, DATABASE_FAILURES):
            return describe_database_failure(error)
    if isinstance(error, RecursionError):
        return (
            "the input is nested too deeply to be read (JSON objects or lists inside each other "
            "hundreds of levels deep); it is not a file written by sjt"
        )
    if isinstance(error, MemoryError):
        return (
            f"not enough memory for this run ({str(error) or 'the arrays do not fit'}); use "
            "smaller values (fewer respondents with --n) or a machine with more memory"
        )
    if type(error).__module__.startswith("numpy"):  # LinAlgError: never the bare "Singular matrix"
        return (
            f"a numerical step failed ({error}): the data do not determine every parameter, "
            "typically because of a category nobody chose, an item everybody answered alike "
            "or too few answers. Check the warnings above, merge rare categories or drop such "
            "items, and keep the default priors"
        )
    if isinstance(error, ArithmeticError):
        return f"a number is out of range ({error}); use a smaller value"
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, KeyError) and not isinstance(error, AssessmentError):
        return f"a required entry is missing: {error.args[0] if error.args else error}"
    return str(error).strip() or type(error).__name__


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error paragraph and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


EXIT_USAGE = 2
"""Exit status of a wrong command line (as click gives for an unknown option)."""


def usage_error(message: str) -> typer.Exit:
    """Print the command's usage line and ``message`` (a wrong combination of options) and
    return the exit to raise: status 2, like every other command-line mistake."""
    try:  # typer ≥ 0.2x runs commands under its own copy of click
        globals_ = importlib.import_module("typer._click.globals")
    except ImportError:  # pragma: no cover - older typer on the real click
        globals_ = importlib.import_module("click.globals")
    context = globals_.get_current_context(silent=True)
    if context is not None:
        typer.echo(context.get_usage(), err=True)
        typer.echo(f"Try '{context.command_path} --help' for help.", err=True)
    return fail(message, EXIT_USAGE)


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that user and environment errors end it with a message and exit 1."""
    if getattr(command, _GUARDED, False):
        return command

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        problem = _output_problem(kwargs)
        if problem is not None:
            raise usage_error(problem)
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except Exception as error:
            if not isinstance(error, user_error_types()):
                raise
            typer.echo(f"error: {describe(error)}", err=True)
            sys.stderr.flush()
            raise typer.Exit(1) from None

    setattr(wrapper, _GUARDED, True)
    return wrapper


def _output_problem(options: dict[str, object]) -> str | None:
    """The complaint about an output option (``--out``, ``--theta-out``: a file to write) that
    names an existing folder or a file in a folder that does not exist, or None. Checked for
    every command before it runs, so nothing is computed for an output that cannot be written
    (the operating system's own words for it, such as "Device or resource busy", say nothing
    about the option), and a mistyped folder is never created silently."""
    for name, value in options.items():
        if not _is_output(name) or not isinstance(value, Path):
            continue
        flag = _flag(name)
        if value.is_dir():
            return (
                f"{flag} {str(value)!r} is a folder; {flag} names the file to write: give a "
                f"file name (for example one inside that folder, {str(value / 'NAME')!r})"
            )
        folder = value.parent
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            return (
                f"{flag} {str(value)!r}: the folder {str(folder)!r} {what}; create the folder "
                "first or give a path in an existing folder"
            )
    return _clash(options)


def _is_output(name: str) -> bool:
    """Whether the option ``name`` (a parameter name) is a file the command writes."""
    return name == "out" or name.endswith("_out")


def _clash(options: dict[str, object]) -> str | None:
    """The complaint about an output option naming a file the command also reads (the result
    would replace its own input) or another output option's file, or None."""
    paths = [(name, value) for name, value in options.items() if isinstance(value, Path)]
    database = _database_file()
    for name, path in paths:
        if database is not None and _is_output(name) and _same_file(path, database):
            return (
                f"{_flag(name)} {str(path)!r} is the database file (SJT_DATABASE_URL); writing "
                f"it would destroy the database: give {_flag(name)} another file name"
            )
    for index, (first, first_path) in enumerate(paths):
        for second, second_path in paths[index + 1 :]:
            if not _same_file(first_path, second_path):
                continue
            if _is_output(first) and _is_output(second):
                return (
                    f"{_flag(second)} {str(second_path)!r} is also written as {_flag(first)}; "
                    "give two different files"
                )
            if _is_output(first) or _is_output(second):
                flag, path = (first, first_path) if _is_output(first) else (second, second_path)
                return (
                    f"{_flag(flag)} {str(path)!r} is also an input of this command; writing it "
                    f"would replace that file: give {_flag(flag)} another file name"
                )
    return None


def _database_file() -> Path | None:
    """The SQLite file of the configured database once SQLAlchemy is loaded (a command that
    does not load it never opens the database), else None."""
    if "sqlalchemy" not in sys.modules:
        return None
    from assessment.persistence.location import sqlite_file

    return sqlite_file()


def _flag(name: str) -> str:
    """The command-line flag of the parameter ``name`` (``theta_out`` → ``--theta-out``)."""
    return "--" + name.replace("_", "-")


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file (existing or still to be written)."""
    if first.exists() and second.exists():
        return first.samefile(second)
    return first.resolve() == second.resolve()


def guard_commands(app: typer.Typer) -> None:
    """Wrap every command of ``app`` and of its sub-applications in ``user_errors``."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = user_errors(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


__all__ = [
    "EXIT_USAGE",
    "USER_ERRORS",
    "describe",
    "fail",
    "guard_commands",
    "usage_error",
    "user_error_types",
    "user_errors",
]
