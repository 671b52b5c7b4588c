"""Counted phrases for the staff pages, with the right singular or plural form."""

from __future__ import annotations


def plural(n: int, one: str, many: str) -> str:
    """``"1 option"`` / ``"3 options"``: the count with the matching form of the noun phrase."""
    return f"{n:,} {one if n == 1 else many}"


def rare_options_warning(n: int) -> str:
    """The workbench's warning about options that few candidates chose."""
    verb = "is" if n == 1 else "are"
    return (
        f"{plural(n, 'option', 'options')} {verb} chosen by fewer than 5% of candidates; "
        f"{'its weight rests' if n == 1 else 'their weights rest'} on very few answers."
    )


def thin_items_warning(n: int, total: int, smallest: int) -> str:
    """The workbench's warning about items answered by fewer than 500 candidates."""
    verb = "has" if n == 1 else "have"
    return (
        f"{n:,} of {total:,} scored items {verb} fewer than 500 candidates (smallest: "
        f"{smallest:,}). Option weights will be unstable; treat this calibration as exploratory."
    )
