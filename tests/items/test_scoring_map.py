"""Scored items of bank items: the two parts of a most_least item and their joint response."""

from __future__ import annotations

import numpy as np
import pytest

from items import load_bank
from items.scoring_map import (
    as_joint_model,
    join_most_least,
    joined_for_calibration,
    joint_item_ids,
    most_least_parts,
    reading_specs,
    split_most_least,
    synthetic_model,
)
from scoring import ResponseMatrix, ScoringError, simulate_responses
from scoring.most_least import split_pairs


@pytest.fixture(scope="module")
def parts_model():  # type: ignore[no-untyped-def]
    return synthetic_model(load_bank(), joint=False)


def test_parts_are_paired_only_when_both_are_present() -> None:
    ids = ["SO-001", "SO-002.most", "SO-002.least", "SO-003.most"]
    assert most_least_parts(ids) == {"SO-002": ("SO-002.most", "SO-002.least")}


def test_the_joint_model_keeps_the_most_pick_and_conditions_the_least_pick(
    parts_model,  # type: ignore[no-untyped-def]
) -> None:
    joint = as_joint_model(parts_model)
    assert "SO-002" in joint_item_ids(joint)
    assert len(joint.items) == len(parts_model.items) - len(joint_item_ids(joint))
    theta = np.linspace(-3, 3, 7)
    pair = joint.probabilities(joint.item_ids.index("SO-002"), theta)  # (12, Q)
    most = parts_model.probabilities(parts_model.item_ids.index("SO-002.most"), theta)
    least = parts_model.probabilities(parts_model.item_ids.index("SO-002.least"), theta)
    pick_most, pick_least = split_pairs(np.arange(12), 4)
    np.testing.assert_allclose(np.stack([pair[pick_most == j].sum(0) for j in range(4)]), most)
    for c in range(12):
        j, k = pick_most[c], pick_least[c]
        expected = most[j] * least[k] / (1.0 - least[j])
        np.testing.assert_allclose(pair[c], expected, rtol=1e-10)


def test_joint_responses_split_into_the_data_file_form_and_back(
    parts_model,  # type: ignore[no-untyped-def]
) -> None:
    joint = as_joint_model(parts_model)
    rng = np.random.default_rng(4)
    data = simulate_responses(joint, rng.normal(size=(300, 5)), rng, missing_rate=0.3)
    two = split_most_least(data, joint)
    assert two.item_ids == tuple(spec.item_id for spec in reading_specs(joint))
    assert two.item_ids == parts_model.item_ids
    np.testing.assert_array_equal(join_most_least(two).responses, data.responses)


def test_joining_only_the_items_a_model_scores_jointly(
    parts_model,  # type: ignore[no-untyped-def]
) -> None:
    rng = np.random.default_rng(5)
    two = split_most_least(
        simulate_responses(as_joint_model(parts_model), rng.normal(size=(20, 5)), rng),
        as_joint_model(parts_model),
    )
    assert join_most_least(two, only=frozenset()).item_ids == two.item_ids
    assert "SO-002" in join_most_least(two, only={"SO-002"}).item_ids


def test_calibration_data_join_the_parts_only_for_a_model_with_a_joint_variant(
    parts_model,  # type: ignore[no-untyped-def]
) -> None:
    rng = np.random.default_rng(6)
    joint = as_joint_model(parts_model)
    two = split_most_least(simulate_responses(joint, rng.normal(size=(20, 5)), rng), joint)
    joined, item_models = joined_for_calibration(two, "nrm")
    assert joined.item_ids == joint.item_ids
    assert item_models == dict.fromkeys(joint_item_ids(joint), "nrm_most_least")
    assert joined_for_calibration(two, "graded") == (two, {})


def test_an_inconsistent_pair_names_item_and_candidate(
    parts_model,  # type: ignore[no-untyped-def]
) -> None:
    specs = tuple(s for s in reading_specs(parts_model) if s.item_id.startswith("SO-002"))
    data = ResponseMatrix(np.array([[0, 1], [2, 2]]), specs, ("service_orientation",))
    with pytest.raises(ScoringError, match=r"item SO-002, row 2 \(candidate 'b'\)"):
        join_most_least(data, ("a", "b"))
