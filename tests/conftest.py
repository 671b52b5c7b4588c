"""Shared fixtures: a seeded generator and a tiny item bank written in code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from items import ItemBank, load_bank


@pytest.fixture(scope="module")
def bank() -> ItemBank:
    """The packaged item bank, loaded once per test module (a module may define its own)."""
    return load_bank()


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, so every test is deterministic."""
    return np.random.default_rng(20261123)


def make_item(
    item_id: str = "SO-901",
    competency: str = "service_orientation",
    fmt: str = "best",
    credits: tuple[int, int, int, int] = (3, 2, 1, 0),
    scenario: str | None = None,
) -> dict[str, Any]:
    """A valid item as plain data; tests break one field at a time."""
    scenario = scenario or f"A customer calls about situation {item_id} and needs help today."
    lengths = ("short reply", "a somewhat longer reply here", "medium reply", "another reply")
    return {
        "item": {
            "id": item_id,
            "competency": competency,
            "format": fmt,
            "setting": "phone",
            "source": {"document": "002_a2f3a072831e82f7.txt", "section": "服务导向"},
            "scenario": {"en": scenario, "zh": f"情况：{scenario}"},
            "options": [
                {
                    "id": option_id,
                    "text": {"en": f"{lengths[index]} {option_id}", "zh": f"回复{option_id}"},
                    "credit": credits[index],
                    "rationale": {"en": f"Because {option_id}.", "zh": f"因为{option_id}。"},
                }
                for index, option_id in enumerate("ABCD")
            ],
        }
    }


@pytest.fixture
def write_bank(tmp_path: Path) -> Callable[..., Path]:
    """Write a bank folder from plain item data; returns the folder."""

    def write(items: list[dict[str, Any]], folder: str = "bank") -> Path:
        root = tmp_path / folder
        for data in items:
            item = data["item"]
            path = root / item["competency"] / f"{item['id']}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return root

    return write
