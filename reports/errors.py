"""Errors of the report layer: one small hierarchy, each also a built-in exception."""

from __future__ import annotations


class ReportError(ValueError):
    """A profile, role profile or wording file is invalid; the message says what to fix."""


class WordingError(ReportError):
    """The wording file has one or more problems; ``problems`` lists all of them."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"  {file}: {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"wording file has {count} problem{'s' if count != 1 else ''}:\n{lines}")


class FontNotFoundError(FileNotFoundError):
    """The embedded CJK font is not installed; the message names the package to install."""
