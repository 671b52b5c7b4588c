"""The shipped simulation record is what its provenance's command computes with today's code.

``assessment/delivery/simulation.json`` gives the demo model's profiles their delivered-test
reliabilities and norm tables. It went stale once (the θ draws changed, the file did not):
every figure it printed was then true of an older engine, not of the test as delivered. This
test re-runs the simulation its provenance names (``sjt cat-sim --n 1000 --seed 1 --rho 0.5
--save-record``, about a minute on one core) and compares; the same run checks that the
shipped Sympson–Hetter parameters (``exposure.json``) still keep every item's exposure within
the policy's bound.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assessment.delivery.exposure import delivered_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.delivery.simulation import (
    load_simulation_record,
    simulate_cat,
    simulation_record,
)
from items import load_bank
from items.forms import load_fixed_form
from items.scoring_map import synthetic_model
from tests.binomial import not_above


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a nested JSON value by dotted path (lists indexed), for a readable diff."""
    if isinstance(value, dict):
        return {
            k: v
            for key, item in value.items()
            for k, v in _flatten(item, f"{prefix}{key}.").items()
        }
    if isinstance(value, list):
        return {
            k: v for i, item in enumerate(value) for k, v in _flatten(item, f"{prefix}{i}.").items()
        }
    return {prefix.rstrip("."): value}


def _same(shipped: Any, computed: Any) -> bool:
    """Equal, numbers up to the last printed digit (another BLAS build may move it)."""
    numbers = (int, float)
    if isinstance(shipped, numbers) and isinstance(computed, numbers):
        return bool(computed == pytest.approx(shipped, abs=2e-3, rel=1e-3))
    return bool(shipped == computed)


@pytest.mark.slow
def test_the_shipped_simulation_record_is_reproduced_by_its_provenance() -> None:
    shipped = load_simulation_record()
    assert shipped is not None
    provenance = shipped["provenance"]
    assert provenance["model"] == "synthetic"
    bank = load_bank()
    policy = CATPolicy.model_validate(provenance["policy"])
    result = simulate_cat(
        bank,
        synthetic_model(bank),
        policy,
        n=provenance["n"],
        seed=provenance["seed"],
        correlation=provenance["rho"],
        exposure_parameters=delivered_exposure_parameters(policy),
        fixed_form=load_fixed_form(bank),
    )
    # The shipped Sympson–Hetter parameters still hold every item's exposure to the policy's
    # bound with today's engine (they were computed by an older run of it).
    n = result.n_candidates
    overexposed = {
        item_id: rate
        for item_id, rate in result.exposure.items()
        if not not_above(round(rate * n), n, policy.max_exposure, alpha=0.01 / len(result.item_ids))
    }
    assert not overexposed, f"re-run sjt cat-sim --exposure-calibrate: {overexposed}"
    again = _flatten(json.loads(json.dumps(simulation_record(result, "synthetic"))))
    before = _flatten(shipped)
    assert again.keys() == before.keys()
    stale = {key: (before[key], again[key]) for key in before if not _same(before[key], again[key])}
    assert not stale, (
        f"assessment/delivery/simulation.json is stale: {len(stale)} figures differ, e.g. "
        f"{dict(list(stale.items())[:5])}; re-run sjt cat-sim --n 1000 --seed 1 --rho 0.5 "
        "--save-record"
    )
