"""The cue audit finds keys marked in the option texts and stays at chance when they are not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from items.audit import (
    CLASSIFIERS,
    GATE,
    audit_bank,
    audit_items,
    build_design,
    clause_count,
    fit_classifier,
    format_report,
    loo_hits,
    main,
    naive_bayes_scores,
    option_features,
    target_positions,
)
from items.models import ItemFile
from items.rules import AnyItem
from tests.conftest import make_item

WORDS_EN: tuple[str, ...] = (
    "ask",
    "check",
    "offer",
    "note",
    "tell",
    "wait",
    "call",
    "send",
    "explain",
    "confirm",
    "order",
    "refund",
    "parcel",
    "account",
    "bill",
    "plan",
    "store",
    "phone",
    "line",
    "team",
    "manager",
    "record",
    "time",
    "date",
    "form",
    "address",
    "number",
    "code",
    "customer",
    "request",
    "delivery",
    "update",
    "reply",
    "message",
    "option",
    "price",
    "product",
    "size",
    "colour",
    "voucher",
    "return",
    "policy",
    "screen",
)
HANZI = (
    "客户订单退款包裹账户话费套餐门店电话团队经理记录时间日期表格"
    "地址号码回复消息价格产品尺码颜色优惠政策屏幕"
)


def synthetic_items(
    rng: np.random.Generator,
    n: int,
    key_marker: tuple[str, str] | None = None,
    worst_marker: tuple[str, str] | None = None,
    identical: bool = False,
) -> list[AnyItem]:
    """Items whose option texts are random words; markers (en, zh) go into keys or worst options.

    With ``identical`` the four options of an item read the same, so nothing can be found.
    """
    competencies = ("service_orientation", "resilience", "composure", "empathy", "integrity")
    items = []
    for index in range(n):
        competency = competencies[index % 5]
        data = make_item(f"{competency[:2].upper()}-{index + 100:03d}", competency, "most_least")
        credits = rng.permutation([3, 2, 1, 0])
        same = (list(rng.choice(WORDS_EN, size=7)), list(rng.choice(list(HANZI), size=14)))
        for option, credit in zip(data["item"]["options"], credits, strict=True):
            en, zh = (
                (list(same[0]), list(same[1]))
                if identical
                else (list(rng.choice(WORDS_EN, size=7)), list(rng.choice(list(HANZI), size=14)))
            )
            marker = key_marker if credit == 3 else worst_marker if credit == 0 else None
            if marker is not None:
                en.insert(int(rng.integers(0, 7)), marker[0])
                zh.insert(int(rng.integers(0, 14)), marker[1])
            option["text"] = {"en": " ".join(en).capitalize() + ".", "zh": "".join(zh) + "。"}
            option["credit"] = int(credit)
        items.append(ItemFile.model_validate(data).item)
    return items


def test_keys_that_carry_a_marker_word_are_found_by_every_classifier(
    rng: np.random.Generator,
) -> None:
    items = synthetic_items(
        rng, 40, key_marker=("steadily", "稳妥"), worst_marker=("shout", "吼叫")
    )
    report = audit_items(items)
    for lang in ("en", "zh"):
        stats = report.bank[lang]
        assert stats.best_hit >= 0.95, (lang, stats)
        assert stats.worst_hit >= 0.95, (lang, stats)
        assert min(stats.best_hit_by_classifier.values()) >= 0.85, (lang, stats)
        assert min(stats.worst_hit_by_classifier.values()) >= 0.85, (lang, stats)
    assert not report.passed
    assert report.towards_key["en"][0].feature == "steadily"
    assert report.towards_key["zh"][0].feature in {"稳妥"}
    assert report.away_from_key["en"][0].feature == "shout"


def test_random_keys_stay_near_chance(rng: np.random.Generator) -> None:
    items = synthetic_items(rng, 100)
    report = audit_items(items)
    rates = [
        rate
        for stats in report.bank.values()
        for by_classifier in (stats.best_hit_by_classifier, stats.worst_hit_by_classifier)
        for rate in by_classifier.values()
    ]
    # chance is 0.25; one rate over 100 items has a standard error of about 0.045
    assert all(0.10 <= rate <= 0.40 for rate in rates), rates
    assert 0.20 <= float(np.mean(rates)) <= 0.30, rates


@pytest.mark.parametrize("classifier", CLASSIFIERS)
def test_each_held_out_item_is_predicted_by_a_model_that_never_saw_it(
    rng: np.random.Generator, classifier: Any
) -> None:
    """Leave-one-out hits equal those of a model fitted from scratch on the other items."""
    items = synthetic_items(rng, 16, key_marker=("steadily", "稳妥"))
    design = build_design(items, "en")
    positions = target_positions(items, "best")
    hits = loo_hits(design, positions, classifier)
    X = design.matrix
    for i in range(len(items)):
        train = np.ones(len(items), dtype=bool)
        train[i] = False
        if classifier == "naive_bayes":
            scores = naive_bayes_scores(X, positions, train)[4 * i : 4 * i + 4]
        else:
            weights = fit_classifier(classifier, X, positions, train)[: X.shape[1]]
            scores = np.asarray(X[4 * i : 4 * i + 4] @ weights).ravel()
        top = np.flatnonzero(np.isclose(scores, scores.max(), atol=1e-6))
        expected = float(positions[i] in top) / len(top)
        assert hits[i] == pytest.approx(expected), i


def test_a_word_in_one_item_only_carries_nothing_to_the_held_out_item(
    rng: np.random.Generator,
) -> None:
    """Each key's marker occurs in no other item: a leaky audit would find every key."""
    items = synthetic_items(rng, 40)
    relabelled = []
    for index, item in enumerate(items):
        data = {"item": item.model_dump()}
        for option in data["item"]["options"]:
            if option["credit"] == 3:
                option["text"]["en"] += f" Marker{index}x."
        relabelled.append(ItemFile.model_validate(data).item)
    design = build_design(relabelled, "en", min_items=1)
    positions = target_positions(relabelled, "best")
    for classifier in CLASSIFIERS:
        assert np.nanmean(loo_hits(design, positions, classifier)) <= GATE, classifier


def test_option_structure_cues_are_counted(rng: np.random.Generator) -> None:
    items = synthetic_items(rng, 20)
    longer = []
    for item in items:
        data = {"item": item.model_dump()}
        for option in data["item"]["options"]:
            if option["credit"] == 3:
                option["text"]["en"] += " Then check the order, and call back, and note it."
                option["text"]["zh"] += "然后核对订单，回电，记录下来，再确认。"
        longer.append(ItemFile.model_validate(data).item)
    report = audit_items(longer, classifiers=("naive_bayes",))
    stats = report.bank
    for lang in ("en", "zh"):
        assert stats[lang].best_hit_by_rule["longest"] == 1.0
        assert stats[lang].key_most_clauses == 1.0
        assert stats[lang].best_hit_by_rule["shortest"] == 0.0
        assert sum(stats[lang].key_positions.values()) == 20
        assert stats[lang].credit_patterns == {"3210": 20}
    assert not report.passed  # the longest-option rule finds every key


def with_key_text(items: list[AnyItem], edit: Callable[[dict[str, Any]], None]) -> list[AnyItem]:
    """The items with ``edit`` applied to each item's data (options, scenario)."""
    edited = []
    for item in items:
        data = {"item": item.model_dump()}
        edit(data["item"])
        edited.append(ItemFile.model_validate(data).item)
    return edited


def test_a_key_trimmed_just_below_the_longest_option_fails_the_gate(
    rng: np.random.Generator,
) -> None:
    """The classifier cannot see it (no word marks the key), the second-longest rule can."""

    def second_longest(item: dict[str, Any]) -> None:
        for option in item["options"]:  # random words of the shared vocabulary: no word cue
            extra = {3: 2, 2: 3, 1: 0, 0: 1}[option["credit"]]
            option["text"]["en"] += " " + " ".join(rng.choice(WORDS_EN, size=2 * extra))
            option["text"]["zh"] += "".join(rng.choice(list(HANZI), size=4 * extra))

    report = audit_items(with_key_text(synthetic_items(rng, 40), second_longest))
    for lang in ("en", "zh"):
        assert report.bank[lang].best_hit_by_rule["second_longest"] == 1.0
        assert report.bank[lang].best_hit <= GATE  # the word classifiers see nothing
    assert not report.passed
    assert "2long" in format_report(report)


def test_keys_that_repeat_the_scenario_or_mirror_the_other_options_are_found(
    rng: np.random.Generator,
) -> None:
    def from_scenario(item: dict[str, Any]) -> None:
        key = next(option for option in item["options"] if option["credit"] == 3)
        item["scenario"]["en"] += " The parcel locker code expired yesterday."
        item["scenario"]["zh"] += "快递柜取件码昨天过期了。"
        key["text"]["en"] += " Send a new parcel locker code."
        key["text"]["zh"] += "重发快递柜取件码。"

    def near_copies(item: dict[str, Any]) -> None:
        key = next(option for option in item["options"] if option["credit"] == 3)
        for option in item["options"]:
            if option["credit"] in (2, 1):  # two distractors each copy half of the key
                en, zh = key["text"]["en"].split(), key["text"]["zh"]
                first = option["credit"] == 2
                option["text"]["en"] += " " + " ".join(en[:4] if first else en[4:])
                option["text"]["zh"] += zh[:8] if first else zh[7:]

    scenario = audit_items(with_key_text(synthetic_items(rng, 40), from_scenario)).bank
    alike = audit_items(with_key_text(synthetic_items(rng, 40), near_copies)).bank
    for lang in ("en", "zh"):
        assert scenario[lang].best_hit_by_rule["most_scenario_words"] == 1.0, lang
        assert alike[lang].best_hit_by_rule["most_like_others"] > 2 * GATE, lang


def test_features_and_clauses() -> None:
    assert option_features("Ask him, then wait.", "en") == {
        "ask",
        "him",
        "then",
        "wait",
        "ask him",
        "him then",
        "then wait",
    }
    assert option_features("先道歉，再查单。OK", "zh") == {"先道", "道歉", "再查", "查单"}
    assert clause_count("Ask, check; and wait", "en") == 3
    assert clause_count("先道歉，再查单；然后、回电", "zh") == 3


@pytest.fixture
def synthetic_bank(write_bank: Callable[..., Path], rng: np.random.Generator) -> Path:
    items = synthetic_items(rng, 30, key_marker=("steadily", "稳妥"))
    return write_bank([{"item": item.model_dump()} for item in items])


def test_cli_fails_the_gate_with_a_paragraph_and_prints_the_table(synthetic_bank: Path) -> None:
    result = CliRunner().invoke(app, ["bank", "audit", "--bank", str(synthetic_bank), "--items"])
    assert result.exit_code == 1, result.output
    assert "BANK" in result.output
    assert "best option found from the option texts (en): 30" in result.output
    assert "error: the keys can be found from the option texts alone" in result.output
    assert "Traceback" not in result.output


def test_cli_json_and_module_entry_point(
    write_bank: Callable[..., Path], rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    items = synthetic_items(rng, 30, identical=True)
    bank = write_bank([{"item": item.model_dump()} for item in items])
    result = CliRunner().invoke(app, ["bank", "audit", "--bank", str(bank), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is True
    assert data["bank"]["en"]["best_hit"] == 0.25
    assert set(data["bank"]) == {"en", "zh"}
    assert data["by_competency"]["empathy"]["en"]["n_items"] == 6
    assert main(["--bank", str(bank)]) == 0
    assert "PASS" in capsys.readouterr().out


def test_audit_reads_a_bank_whose_other_files_are_broken(synthetic_bank: Path) -> None:
    broken = sorted(synthetic_bank.rglob("*.yaml"))[0]
    broken.write_text("item:\n  id: [\n", encoding="utf-8")
    report = audit_bank(synthetic_bank, classifiers=("naive_bayes",))
    assert report.n_items == 29
    assert [problem.file for problem in report.skipped] == [
        broken.relative_to(synthetic_bank).as_posix()
    ]


def test_packaged_bank_passes_the_cue_gate() -> None:
    """The gate of issue 10: keys not findable from option texts in more than 35% of items,
    neither by a word classifier nor by a rule of thumb (best and least effective option)."""
    report = audit_bank()
    assert not report.skipped
    rates = {
        lang: (
            round(stats.best_hit, 3),
            {rule: round(v, 3) for rule, v in stats.best_hit_by_rule.items() if v > GATE},
            {rule: round(v, 3) for rule, v in stats.worst_hit_by_rule.items() if v > GATE},
        )
        for lang, stats in report.bank.items()
    }
    assert report.passed, rates
