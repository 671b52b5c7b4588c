"""The loader accepts valid banks and reports every problem of a broken one with its file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from items import ContentRules, ItemBankError, load_bank
from tests.conftest import make_item

TINY = ContentRules(balance_rules=False)


def test_valid_tiny_bank_loads_as_immutable_bank(write_bank: Callable[..., Path]) -> None:
    root = write_bank(
        [
            make_item("SO-901"),
            make_item("EM-901", "empathy", "most_least", scenario="A chat user wrote in anger."),
        ]
    )
    bank = load_bank(root, TINY)
    assert len(bank) == 2
    assert [item.id for item in bank] == ["SO-901", "EM-901"]  # competency order
    assert bank["EM-901"].format == "most_least"
    assert bank["SO-901"].best_option.id == "A"
    with pytest.raises(Exception, match="frozen"):
        bank["SO-901"].id = "SO-902"  # type: ignore[misc]


def test_every_problem_is_collected_with_its_file(write_bank: Callable[..., Path]) -> None:
    bad_credit = make_item("SO-901")
    bad_credit["item"]["options"][1]["credit"] = 7
    unknown_key = make_item("SO-902")
    unknown_key["item"]["difficulty"] = "hard"
    no_chinese = make_item("SO-903")
    del no_chinese["item"]["scenario"]["zh"]
    root = write_bank([bad_credit, unknown_key, no_chinese])
    with pytest.raises(ItemBankError) as caught:
        load_bank(root, TINY)
    messages = [str(problem) for problem in caught.value.problems]
    assert any(
        m.startswith("service_orientation/SO-901.yaml: item.options.1.credit") for m in messages
    )
    assert any("SO-902.yaml: item.difficulty: unknown field" in m for m in messages)
    assert any("SO-903.yaml: item.scenario.zh: Field required" in m for m in messages)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"item: [unclosed\n", "line 2"),
        (b"\xff\xfeitem: x", "not valid UTF-8"),
        (b"- a list\n", "must be a mapping"),
        (b"item:\n  setting: 2026-13-40\n", "line 2, column 12: YAML syntax error: '2026-13-40'"),
        (b"item:\n  setting: 0000-01-01\n", "line 2, column 12: YAML syntax error: '0000-01-01'"),
        (
            b"item:\n  setting: phone\n  setting: chat\n",
            "line 3, column 3: YAML syntax error: the key",
        ),
    ],
)
def test_unreadable_files_are_reported(
    write_bank: Callable[..., Path], content: bytes, expected: str
) -> None:
    root = write_bank([make_item("SO-901")])
    (root / "service_orientation" / "SO-902.yaml").write_bytes(content)
    with pytest.raises(ItemBankError) as caught:
        load_bank(root, TINY)
    (problem,) = caught.value.problems
    assert problem.file == "service_orientation/SO-902.yaml"
    assert expected in str(problem)


def test_duplicate_ids_in_different_files_name_both(write_bank: Callable[..., Path]) -> None:
    root = write_bank([make_item("SO-901")])
    twin = make_item("SO-901", scenario="A completely different walk-in customer at the counter.")
    (root / "other").mkdir()
    (root / "other" / "SO-901.yaml").write_text(
        Path(root / "service_orientation" / "SO-901.yaml")
        .read_text(encoding="utf-8")
        .replace(make_item("SO-901")["item"]["scenario"]["en"], twin["item"]["scenario"]["en"]),
        encoding="utf-8",
    )
    with pytest.raises(ItemBankError) as caught:
        load_bank(root, TINY)
    files = {p.file for p in caught.value.problems if "duplicate id" in p.message}
    assert files == {"other/SO-901.yaml", "service_orientation/SO-901.yaml"}


@pytest.mark.parametrize(
    ("credits", "fmt", "expected"),
    [
        ((3, 3, 1, 0), "best", "highest credit is shared"),
        ((3, 2, 2, 2), "best", "span 2 levels"),
        ((3, 2, 0, 0), "most_least", "unique lowest credit"),
    ],
)
def test_credit_rules(
    write_bank: Callable[..., Path], credits: tuple[int, int, int, int], fmt: str, expected: str
) -> None:
    root = write_bank([make_item("SO-901", fmt=fmt, credits=credits)])
    with pytest.raises(ItemBankError, match=expected):
        load_bank(root, TINY)


def test_unknown_competency_and_format_are_rejected(write_bank: Callable[..., Path]) -> None:
    item = make_item("SO-901")
    item["item"]["competency"] = "charisma"
    other = make_item("SO-902")
    other["item"]["format"] = "rank"
    root = write_bank([make_item("SO-903")])
    for data in (item, other):
        path = root / "service_orientation" / f"{data['item']['id']}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ItemBankError) as caught:
        load_bank(root, TINY)
    text = str(caught.value)
    assert "SO-901.yaml: item.competency" in text
    assert "SO-902.yaml: item.format: format must be 'best' or 'most_least'" in text


def test_near_duplicate_scenarios_are_rejected(write_bank: Callable[..., Path]) -> None:
    scenario = "An elderly caller is confused by the new mobile plan and asks twice about fees."
    root = write_bank(
        [
            make_item("SO-901", scenario=scenario),
            make_item("SO-902", scenario=scenario.replace("twice", "again")),
        ]
    )
    with pytest.raises(ItemBankError, match="scenario duplicates"):
        load_bank(root, TINY)


def test_key_position_balance_is_enforced(write_bank: Callable[..., Path]) -> None:
    items = [
        make_item(f"SO-90{i}", scenario=f"Distinct situation number {i} " + "x" * i * 9)
        for i in range(5)
    ]
    root = write_bank(items)
    with pytest.raises(ItemBankError, match="option A is the best option in 5 of 5"):
        load_bank(root)


def test_key_length_rank_balance_is_enforced(write_bank: Callable[..., Path]) -> None:
    """Keys trimmed to sit just below the longest option are a cue like long keys."""
    items = [
        make_item(f"SO-9{i:02d}", scenario=f"Distinct situation number {i} " + "x" * i * 9)
        for i in range(20)
    ]  # the key "short reply A" is second to "a somewhat longer reply here B" in every item
    with pytest.raises(ItemBankError, match=r"best option is the second-longest \(en\) in 20 of"):
        load_bank(write_bank(items))


def test_keys_of_every_length_rank_and_position_pass(write_bank: Callable[..., Path]) -> None:
    scenarios = (
        (
            "A parcel arrived broken and the customer wants it replaced.",
            "包裹送到时已经摔坏，客户要求换货。",
        ),
        ("The banking app logs him out after every payment.", "每次付款后，银行应用都会把他登出。"),
        (
            "Her phone bill shows the same charge twice this month.",
            "她这个月的话费账单重复扣了同一笔费用。",
        ),
        ("The store closed an hour early on a public holiday.", "节假日当天，门店提前一小时关门。"),
    )
    items = []
    for k, (en, zh) in enumerate(scenarios):
        item = make_item(f"SO-90{k}", scenario=en)
        item["item"]["scenario"]["zh"] = zh
        credits = [3, 2, 1, 0][-k:] + [3, 2, 1, 0][:-k]  # the key at position k
        others = [rank for rank in range(4) if rank != k]
        for option, credit in zip(item["item"]["options"], credits, strict=True):
            rank = k if credit == 3 else others.pop(0)  # 0 = longest: the key holds rank k + 1
            option["credit"] = credit
            option["text"] = {
                "en": " ".join(["word"] * (9 - 2 * rank)),
                "zh": "字" * (18 - 4 * rank),
            }
        items.append(item)
    bank = load_bank(write_bank(items))
    assert sorted(item.best_option.id for item in bank) == ["A", "B", "C", "D"]


def test_english_text_with_chinese_and_chinese_without_are_rejected(
    write_bank: Callable[..., Path],
) -> None:
    item = make_item("SO-901")
    item["item"]["scenario"]["zh"] = "Not translated yet"
    item["item"]["options"][0]["text"]["en"] = "回复"
    root = write_bank([item])
    with pytest.raises(ItemBankError) as caught:
        load_bank(root, TINY)
    text = str(caught.value)
    assert "item.scenario.zh: Chinese text has no Chinese characters" in text
    assert "item.options.0.text.en: English text contains Chinese characters" in text
