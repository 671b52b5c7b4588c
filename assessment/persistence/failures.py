"""Database failures as the rest of the program sees them: the store's own exception types.

Pages and the command line must not import SQLAlchemy (only ``assessment.persistence`` may),
yet they have to tell a database that is down or misconfigured from a bug. The store raises
``assessment.errors.DatabaseError`` (``ConstraintError`` for a refused row) in place of the
driver's exceptions, through ``database_errors``; the message is ``describe_database_failure``,
which never repeats SQL parameters (they may hold names or email addresses). Callers catch
``DATABASE_FAILURES``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from assessment.errors import ConstraintError, DatabaseError
from assessment.persistence.db import database_url

P = ParamSpec("P")
R = TypeVar("R")

DATABASE_FAILURES: tuple[type[Exception], ...] = (DatabaseError,)
"""Every error the database layer raises: unreachable server, locked file, bad URL, …"""


@contextmanager
def database_errors(url: str | None = None) -> Iterator[None]:
    """Raise ``ConstraintError`` or ``DatabaseError`` for the SQLAlchemy errors of the block.

    ``url`` is the database the message names (default: the configured one).
    """
    try:
        yield
    except IntegrityError as error:
        raise ConstraintError(f"the database refused a row ({database_reason(error)})") from error
    except SQLAlchemyError as error:
        raise DatabaseError(describe_database_failure(error, url)) from error


def translates_database_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` inside ``database_errors`` (for code that uses the engine directly)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with database_errors():
            return function(*args, **kwargs)

    return wrapper


def safe_url(url: str) -> str:
    """``url`` with any password masked (for messages); the text itself if it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@", 1)[-1] if "@" in url else url


def describe_database_failure(error: BaseException, url: str | None = None) -> str:
    """One paragraph about a database failure, without SQL statements or their parameters.

    ``url`` defaults to the configured one (``SJT_DATABASE_URL``), shown without password.
    A ``DatabaseError`` already carries its message.
    """
    if isinstance(error, DatabaseError):
        return str(error)
    where = f" at {safe_url(url or database_url())}"
    if isinstance(error, ArgumentError):
        return (
            f"the database URL{where} cannot be used ({_first_line(error)}); set "
            "SJT_DATABASE_URL to an SQLAlchemy URL such as sqlite:///data/sjt.db or "
            "postgresql+psycopg://user@host:5432/sjt"
        )
    if isinstance(error, PoolTimeoutError):
        return f"the database{where} is busy (no free connection); try again in a moment"
    if isinstance(error, DBAPIError):
        reason = _first_line(error.orig) if error.orig is not None else type(error).__name__
        return (
            f"the database{where} cannot be used: {reason}. Check SJT_DATABASE_URL, that the "
            "server is running and reachable, and that the file or account may be written"
        )
    return (
        f"the database{where} reported a {type(error).__name__}; the command stopped without "
        "finishing. Check SJT_DATABASE_URL and the database server's log"
    )


def database_reason(error: SQLAlchemyError) -> str:
    """The driver's first line about ``error`` (a constraint or type), never the SQL or values."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        return _first_line(error.orig)
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    # SQLAlchemy appends "[SQL: …]" and "(Background on this error …)"; keep only the cause
    return line.split("[SQL:")[0].split("(Background on this error")[0].strip()[:300]


__all__ = [
    "DATABASE_FAILURES",
    "database_errors",
    "database_reason",
    "describe_database_failure",
    "safe_url",
    "translates_database_errors",
]
