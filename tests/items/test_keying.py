"""Keying provenance: authors' judgement unless a panel rated the item, in the models and schema."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from items import ItemBankError, load_bank
from items.models import ItemFile, Keying
from items.rules import ContentRules
from items.schema import item_schema
from tests.conftest import make_item

PANEL: dict[str, Any] = {
    "method": "sme_panel",
    "raters": 8,
    "date": "2026-03-02",
    "icc2k": 0.91,
    "rwg": 0.78,
    "note": "pilot panel, two sites",
}


def with_keying(keying: dict[str, Any] | None) -> dict[str, Any]:
    data = make_item()
    if keying is not None:
        data["item"]["keying"] = keying
    return data


def test_an_item_without_keying_is_the_authors_judgement() -> None:
    item = ItemFile.model_validate(with_keying(None)).item
    assert item.keying is None
    assert item.key_provenance == Keying(method="authors")
    assert not item.sme_keyed
    assert "authors' judgement" in item.provenance_text.en
    assert "not yet rated" in item.provenance_text.en
    assert "编写者" in item.provenance_text.zh
    assert "SME-keyed" not in item.provenance_text.en


def test_a_panel_keying_carries_its_size_date_and_agreement() -> None:
    item = ItemFile.model_validate(with_keying(PANEL)).item
    assert item.sme_keyed
    assert item.key_provenance.date == datetime.date(2026, 3, 2)
    assert "8 subject matter experts" in item.provenance_text.en
    assert "ICC(2,k) = 0.91" in item.provenance_text.en
    assert "r_wg = 0.78" in item.provenance_text.zh
    assert "8 位专家" in item.provenance_text.zh


@pytest.mark.parametrize(
    ("keying", "expected"),
    [
        ({"method": "sme_panel", "raters": 8, "date": "2026-03-02", "rwg": 0.7}, "icc2k"),
        ({"method": "authors", "raters": 8}, "describe a panel"),
        ({**PANEL, "raters": 1}, "greater than or equal to 2"),
        ({**PANEL, "rwg": 1.2}, "less than or equal to 1"),
        ({"method": "sme"}, "'authors' or 'sme_panel'"),
        ({**PANEL, "panel": "x"}, "unknown field"),
    ],
)
def test_bad_keying_is_rejected_naming_the_field(
    write_bank: Callable[..., Path], keying: dict[str, Any], expected: str
) -> None:
    bank = write_bank([with_keying(keying)])
    with pytest.raises(ItemBankError) as caught:
        load_bank(bank, ContentRules(balance_rules=False))
    message = str(caught.value)
    assert "SO-901.yaml" in message
    assert "item.keying" in message
    assert expected in message


def test_yaml_dates_load_as_dates(write_bank: Callable[..., Path]) -> None:
    bank = write_bank([with_keying({**PANEL, "date": datetime.date(2026, 3, 2)})])
    item = load_bank(bank, ContentRules(balance_rules=False))["SO-901"]
    assert item.key_provenance.date == datetime.date(2026, 3, 2)


def test_json_schema_requires_the_panel_fields_only_for_panels() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(item_schema())
    assert not list(validator.iter_errors(with_keying(None)))
    assert not list(validator.iter_errors(with_keying(PANEL)))
    assert not list(validator.iter_errors(with_keying({"method": "authors", "note": "seed 003"})))
    incomplete = {key: value for key, value in PANEL.items() if key != "rwg"}
    assert list(validator.iter_errors(with_keying(incomplete)))
    assert list(validator.iter_errors(with_keying({"method": "authors", "icc2k": 0.9})))
