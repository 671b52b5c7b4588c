"""record_from: a plain record copied from rows by field name."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from assessment.persistence.records import record_from


@dataclass(frozen=True)
class Pair:
    id: int
    name: str
    note: str = ""


def test_fields_come_from_the_first_source_that_has_them_and_keywords_win() -> None:
    first = SimpleNamespace(id=1)
    second = SimpleNamespace(id=2, name="two", note="second")
    assert record_from(Pair, first, second) == Pair(1, "two", "second")
    assert record_from(Pair, second, name="given") == Pair(2, "given", "second")


def test_a_default_field_may_be_missing_but_a_required_one_is_named() -> None:
    assert record_from(Pair, SimpleNamespace(id=3, name="x")) == Pair(3, "x")
    with pytest.raises(AttributeError, match=r"Pair\.name"):
        record_from(Pair, SimpleNamespace(id=3))
