"""Shared fixtures: seeded ids and generators, and a tiny item bank written in code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from assessment.persistence import store as store_module
from assessment.psychometrics import versions as versions_module
from items import ItemBank, load_bank
from tests.session_ids import seeded_ids


@pytest.fixture(autouse=True)
def seeded_store_ids(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets the same candidate and session ids on every run, seeded by its own name.

    The store makes ids with ``secrets`` and the adaptive engine's exposure lottery draws from
    the session id, so with random ids a test that delivers a test saw other items, other
    scores and other flags on every run (a random-responder count and a fairness result each
    failed a fresh-clone ``make test``). A test may still install its own ``seeded_ids``.
    """
    seed = int.from_bytes(hashlib.blake2b(request.node.nodeid.encode(), digest_size=4).digest())
    monkeypatch.setattr(store_module, "new_id", seeded_ids(seed))


TEST_SIMULATION_N = 6
"""Simulated candidates of the delivered-test simulation at promotion in tests."""


@pytest.fixture(autouse=True)
def small_promotion_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Promotion simulates the delivered test with ``TEST_SIMULATION_N`` candidates in tests.

    The product simulates ``PROMOTION_SIMULATION_N`` (under a minute of engine runs); dozens of
    tests promote versions through the library, the command line and the workbench, and what
    they check does not depend on the figures' precision. A test may set its own number.
    """
    monkeypatch.setattr(versions_module, "PROMOTION_SIMULATION_N", TEST_SIMULATION_N)


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
