"""The designated fixed form (items/forms.yaml): its content rule and its validation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from items import COMPETENCIES, ItemBank, ItemBankError
from items.forms import DEFAULT_FORMS, load_fixed_form

SETTINGS = ("phone", "chat", "counter", "field")


def rule_form(bank: ItemBank) -> tuple[str, ...]:
    """The fixed form by the rule written at the top of forms.yaml."""
    form: list[str] = []
    for k, competency in enumerate(COMPETENCIES):
        major, minor = ("best", "most_least") if k % 2 == 0 else ("most_least", "best")
        cells = {
            (major, SETTINGS[k % 4]),
            (minor, SETTINGS[k % 4]),
            (major, SETTINGS[(k + 1) % 4]),
            (major, SETTINGS[(k + 3) % 4]),
            (minor, SETTINGS[(k + 2) % 4]),
        }
        items = bank.by_competency(competency)
        form += sorted(min(i.id for i in items if (i.format, i.setting) == cell) for cell in cells)
    return tuple(form)


def test_packaged_fixed_form_follows_its_content_rule(bank: ItemBank) -> None:
    form = load_fixed_form(bank)
    assert form == rule_form(bank)
    assert len(form) == 25
    assert Counter(bank[i].competency for i in form) == dict.fromkeys(COMPETENCIES, 5)
    assert Counter(bank[i].format for i in form) == {"best": 13, "most_least": 12}
    for competency in COMPETENCIES:
        items = [bank[i] for i in form if bank[i].competency == competency]
        assert {item.setting for item in items} == set(SETTINGS), competency
        assert sorted(Counter(item.format for item in items).values()) == [2, 3], competency


def write_form(tmp_path: Path, body: str) -> Path:
    file = tmp_path / "forms.yaml"
    file.write_text(body, encoding="utf-8")
    return file


def test_a_form_may_be_read_from_another_file(bank: ItemBank, tmp_path: Path) -> None:
    lines = [f"  {c}: [{bank.by_competency(c)[-1].id}]" for c in COMPETENCIES]
    file = write_form(tmp_path, "fixed_form:\n" + "\n".join(lines) + "\n")
    assert load_fixed_form(bank, file) == tuple(bank.by_competency(c)[-1].id for c in COMPETENCIES)


def test_unknown_misfiled_and_repeated_items_are_named_with_forms_yaml(
    bank: ItemBank, tmp_path: Path
) -> None:
    text = DEFAULT_FORMS.read_text(encoding="utf-8")
    text = text.replace("SO-001,", "SO-999,").replace("RE-001,", "EM-003,")
    text = text.replace("CO-002,", "CO-001,").replace("  integrity:", "  integrity_x:")
    with pytest.raises(ItemBankError) as caught:
        load_fixed_form(bank, write_form(tmp_path, text))
    problems = {(p.field, p.message) for p in caught.value.problems}
    assert {p.file for p in caught.value.problems} == {"forms.yaml"}
    assert ("fixed_form.service_orientation.0", "item 'SO-999' is not in the bank") in problems
    assert ("fixed_form.resilience.0", "item EM-003 measures empathy") in problems
    assert ("fixed_form.composure.1", "item CO-001 is listed twice") in problems
    assert ("fixed_form.integrity_x", "unknown competency 'integrity_x'") in problems
    assert ("fixed_form", "competency integrity has no items on the form") in problems


@pytest.mark.parametrize("body", ["", "fixed_form: []\n", "other: 1\n", "fixed_form: [\n"])
def test_a_malformed_forms_file_is_refused(bank: ItemBank, tmp_path: Path, body: str) -> None:
    with pytest.raises(ItemBankError, match=r"forms\.yaml"):
        load_fixed_form(bank, write_form(tmp_path, body))
