"""What a candidate reads in Chinese addresses them as 你 throughout: interface, consent notice,
practice and every item. 您 appears only inside quotation marks, where the agent in a
scenario speaks politely to a customer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app_pages.texts import TEXTS, TEXTS_FILE, load_texts
from assessment.delivery.consent import consent_notice
from assessment.settings import Settings
from items import load_bank

QUOTED = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’|\"[^\"]*\"")


def unquoted(text: str) -> str:
    return QUOTED.sub("", text)


def item_texts() -> list[tuple[str, str]]:
    texts = []
    for item in load_bank():
        texts.append((f"{item.id} scenario", item.scenario.get("zh")))
        texts += [(f"{item.id} option {o.id}", o.text.get("zh")) for o in item.options]
    return texts


@pytest.mark.parametrize(
    "source",
    ["interface", "consent", "items"],
)
def test_the_candidate_is_addressed_as_ni_outside_quoted_speech(source: str) -> None:
    if source == "interface":
        texts = [(key, entry["zh"]) for key, entry in TEXTS.items() if "zh" in entry]
    elif source == "consent":
        texts = [("consent", consent_notice(Settings(), "zh").text)]
    else:
        texts = item_texts()
    offenders = [where for where, text in texts if "您" in unquoted(text)]
    assert offenders == []
    assert any("你" in text for _, text in texts)


def test_quoted_politeness_to_customers_is_not_counted_as_addressing_the_candidate() -> None:
    """An agent's polite 您 to a customer, inside quotation marks, is not the test speaking."""
    said = "你接起电话，说：“您好，请问有什么可以帮您？”"
    assert "您" not in unquoted(said)
    assert "您" in unquoted("请您选择最有效的做法。")


def test_a_texts_file_without_both_languages_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "texts.yaml"
    file.write_text(
        "texts:\n  next:\n    en: Next\ngroup_values_zh:\n  woman: 女\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"texts\.next needs exactly the languages en and zh"):
        load_texts(file)


def test_the_packaged_texts_file_is_read_whole() -> None:
    texts, group_values = load_texts(TEXTS_FILE)
    assert texts == TEXTS
    assert texts["next"] == {"en": "Next", "zh": "下一题"}
    assert group_values["prefer not to say"] == "不愿透露"
