"""The error types of ``assessment``: one hierarchy under ``AssessmentError``.

Every error a user can cause derives from ``AssessmentError``; those that mean bad input also
derive from ``ValueError`` so that the command line reports them as user errors. A database that
fails is not the user's doing: the store raises ``DatabaseError`` instead of the driver's
exceptions, so no code outside ``assessment.persistence`` needs to know SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_PROBLEMS = 20
"""How many problems of a data file an error message lists before summarising the rest."""


class AssessmentError(RuntimeError):
    """A delivery rule was broken (answering a finished test, an item not offered, …)."""


class AnsweredElsewhereError(AssessmentError):
    """An answer to a question that already has a different answer (given in another window
    or tab): it is not recorded, and the candidate is told so. A repeat of the recorded
    answer (a double click) is not an error."""

    def __init__(self, item_id: str) -> None:
        self.item_id = item_id
        super().__init__(
            f"item {item_id} was already answered differently (another window?); this answer "
            "was not recorded"
        )


class CATConfigurationError(AssessmentError, ValueError):
    """The bank, model and policy do not fit together (an item without parameters, …)."""


class InvitationError(AssessmentError):
    """An invitation link cannot be used; ``reason`` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invitation {reason}")


class InvitationFileError(AssessmentError, ValueError):
    """An invitation list has problems; ``problems`` lists every one with its line number."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"the invitation list has {count} problem{'s' if count != 1 else ''}; "
            f"fix them and upload it again:\n{lines}"
        )


class DataFileError(AssessmentError, ValueError):
    """A data, map, model or score file is malformed; ``problems`` lists every finding."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = list(self.problems[:MAX_PROBLEMS])
        more = len(self.problems) - len(shown)
        lines = "\n".join(f"  {source}: {problem}" for problem in shown)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{lines}{tail}")


class DatabaseError(RuntimeError):
    """The database could not carry out a read or write (down, locked, misconfigured, …).

    Raised by ``assessment.persistence`` with the driver's exception as ``__cause__``; the
    message names the database (without password) and the driver's reason, never the SQL or
    its parameters, which may hold names or email addresses.
    """


class ConstraintError(DatabaseError):
    """A write broke a rule of the schema, such as a row stored twice where it is unique."""


class LoginError(AssessmentError):
    """Login refused; the message never says whether the username exists."""


class AccountError(AssessmentError, ValueError):
    """An account cannot be created or changed (taken username, unknown user, weak password)."""


class SSOLoginReusedError(AssessmentError):
    """A single sign-on login was already used to start a staff session."""


class PrivacyError(AssessmentError):
    """A privacy operation cannot be carried out (unknown candidate, bad argument)."""


class BackupError(PrivacyError):
    """A backup file cannot be written or restored; the message names the file and line."""


class MailSettingsError(AssessmentError, ValueError):
    """The SMTP settings are incomplete or malformed; the message names each setting."""


class SettingsError(AssessmentError, ValueError):
    """A setting has an invalid value; the message names the setting and where it came from."""


__all__ = [
    "MAX_PROBLEMS",
    "AccountError",
    "AssessmentError",
    "BackupError",
    "CATConfigurationError",
    "ConstraintError",
    "DataFileError",
    "DatabaseError",
    "InvitationError",
    "InvitationFileError",
    "LoginError",
    "MailSettingsError",
    "PrivacyError",
    "SSOLoginReusedError",
    "SettingsError",
]
