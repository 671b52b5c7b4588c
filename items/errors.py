"""Errors of the item bank: every problem found, each naming its file and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentProblem:
    """One problem in the bank content.

    Attributes
    ----------
    file : str
        Path of the offending file relative to the bank folder (or the folder itself for
        bank-wide rules).
    field : str
        Dotted location inside the file (``item.options.2.credit``), or a rule name.
    message : str
        What is wrong and, where it helps, how to fix it.
    """

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ItemBankError(ValueError):
    """The bank has one or more content problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[ContentProblem] | tuple[ContentProblem, ...]) -> None:
        self.problems: tuple[ContentProblem, ...] = tuple(sorted(problems))
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"item bank has {count} problem{'s' if count != 1 else ''}:\n{lines}")
