"""Text cells safe for spreadsheets: every CSV export a person may open in Excel uses this.

Shared by the recruiters' exports and the psychometricians' response data export, so that a
candidate id reads the same in both files and a spreadsheet never runs a formula from a cell.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""A spreadsheet cell starting with one of these may be read as a formula (OWASP), including
the full-width ＝ ＋ － ＠ that East Asian spreadsheets and input methods turn into ASCII."""


def neutralise(text: str | None) -> str:
    """A text cell safe for spreadsheets: a leading ``= + - @`` (full-width too, or a tab or
    CR) gets a ``'``."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
