"""Plain-value records copied from stored rows by field name, written once.

Most records the persistence package returns repeat a row's columns under the same names
(``AccountRecord`` is a ``User`` row without its relationships); ``record_from`` copies those
and takes the rest (renamed or derived fields) as keywords, so each builder states only what
differs from the row.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


def record_from(record_type: type[R], *sources: object, **values: Any) -> R:
    """A ``record_type`` with ``values`` as given and every other field read from the first of
    ``sources`` that has an attribute of that name (fields with a default may be left out).

    Raises ``AttributeError`` naming the record and field when no source has a required field.
    """
    for field in dataclasses.fields(record_type):
        if field.name in values:
            continue
        source = next((s for s in sources if hasattr(s, field.name)), None)
        if source is not None:
            values[field.name] = getattr(source, field.name)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise AttributeError(f"{record_type.__name__}.{field.name}: no source has it")
    return record_type(**values)


__all__ = ["record_from"]
