"""Designated forms of the item bank, read from ``items/forms.yaml``.

The fixed form is a content-balanced short form chosen by content rules, never by model
information, so it stays the same when the scoring model is recalibrated (the rule is written at
the top of ``forms.yaml``). The adaptive engine presents it in ``fixed`` mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from items.errors import ContentProblem, ItemBankError
from items.loader import PACKAGE_DIR, ItemBank, read_yaml
from items.models import COMPETENCIES

DEFAULT_FORMS = PACKAGE_DIR / "forms.yaml"
FIXED_FORM_KEY = "fixed_form"


def load_fixed_form(bank: ItemBank, path: str | Path | None = None) -> tuple[str, ...]:
    """Item ids of the fixed form, competencies in ``COMPETENCIES`` order, listed order within.

    Parameters
    ----------
    bank : ItemBank
        The bank the form is drawn from; every listed id must be one of its items.
    path : str or Path, optional
        Forms file (default: the packaged ``items/forms.yaml``).

    Raises
    ------
    ItemBankError
        Listing every problem: a missing or malformed ``fixed_form``, an unknown competency, an
        id that is not in the bank or is filed under the wrong competency, a repeated id, or a
        competency of the bank without items on the form.
    """
    file = Path(path) if path is not None else DEFAULT_FORMS
    name = file.name
    data, problems = read_yaml(file, name)
    if problems:
        raise ItemBankError(problems)
    form = data.get(FIXED_FORM_KEY) if isinstance(data, Mapping) else None
    if not isinstance(form, Mapping) or not form:
        raise ItemBankError(
            [
                ContentProblem(
                    name,
                    FIXED_FORM_KEY,
                    "must be a mapping of competency to a list of item ids",
                )
            ]
        )
    problems = []
    seen: set[str] = set()
    ids_by_competency: dict[str, list[str]] = {}
    for competency, listed in form.items():
        where = f"{FIXED_FORM_KEY}.{competency}"
        if competency not in COMPETENCIES:
            problems.append(ContentProblem(name, where, f"unknown competency {competency!r}"))
            continue
        if not isinstance(listed, list) or not listed:
            problems.append(ContentProblem(name, where, "must be a non-empty list of item ids"))
            continue
        for position, item_id in enumerate(listed):
            field = f"{where}.{position}"
            if not isinstance(item_id, str) or item_id not in bank:
                problems.append(ContentProblem(name, field, f"item {item_id!r} is not in the bank"))
            elif bank[item_id].competency != competency:
                problems.append(
                    ContentProblem(
                        name, field, f"item {item_id} measures {bank[item_id].competency}"
                    )
                )
            elif item_id in seen:
                problems.append(ContentProblem(name, field, f"item {item_id} is listed twice"))
            else:
                seen.add(item_id)
                ids_by_competency.setdefault(competency, []).append(item_id)
    for competency in COMPETENCIES:
        if bank.by_competency(competency) and competency not in form:
            problems.append(
                ContentProblem(
                    name, FIXED_FORM_KEY, f"competency {competency} has no items on the form"
                )
            )
    if problems:
        raise ItemBankError(problems)
    return tuple(
        item_id for competency in COMPETENCIES for item_id in ids_by_competency.get(competency, ())
    )


__all__ = ["DEFAULT_FORMS", "load_fixed_form"]
