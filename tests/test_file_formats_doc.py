"""The examples of docs/file-formats.md load with the readers ``sjt`` uses, so they cannot drift.

Every fenced block whose info string names an ``example-…`` is checked here; a new example
without a check fails ``test_every_example_is_checked``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assessment.errors import DataFileError
from assessment.model_document import ModelDocument
from assessment.psychometrics.data_files import (
    read_item_map,
    read_item_map_entries,
    read_response_csv,
)
from items import COMPETENCIES, load_bank
from items.scoring_map import item_specs
from scoring import MISSING

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "file-formats.md"
FENCE = re.compile(r"^```(\w+) (example-[\w-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CHECKED = {
    "example-data-bank",
    "example-item-map",
    "example-data-external",
    "example-item-map-categories",
    "example-model-minimal",
    "example-model-full",
    "example-model-grm",
}


def examples() -> dict[str, str]:
    """Example name → text of its fenced block (each name once)."""
    found: dict[str, str] = {}
    for match in FENCE.finditer(DOCUMENT.read_text(encoding="utf-8")):
        name = match.group(2)
        assert name not in found, f"example {name} appears twice"
        found[name] = match.group(3)
    return found


def example_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(examples()[name], encoding="utf-8")
    return path


def test_every_example_is_checked() -> None:
    assert set(examples()) == CHECKED


# ----------------------------------------------------------------------- response data
def test_the_bank_data_example_reads_against_the_bank(tmp_path: Path) -> None:
    bank = load_bank()
    assert bank["EM-001"].format == "most_least"
    assert bank["EM-002"].format == "best"
    loaded = read_response_csv(
        example_file(tmp_path, "example-data-bank"),
        specs=item_specs(bank),
        dimensions=COMPETENCIES,
    )
    assert loaded.candidate_ids == ("R0001", "R0002", "R0003")
    assert loaded.data.item_ids == ("EM-001.most", "EM-001.least", "EM-002", "IN-002")
    assert loaded.extra == {"_group": ("north", "south", "north")}
    responses = loaded.data.responses
    assert responses[0].tolist() == [1, 3, 0, 2]  # B, D, A, C as option positions
    assert responses[1, 2] == MISSING  # "R0002 did not see EM-002"
    assert (responses[2, :2] == MISSING).all()  # "R0003 did not see EM-001"


def test_the_external_data_example_reads_with_its_item_map(tmp_path: Path) -> None:
    item_map = read_item_map(example_file(tmp_path, "example-item-map"))
    assert item_map == {"Q1": "empathy", "Q2": "empathy", "Q3": "integrity", "Q4": "integrity"}
    loaded = read_response_csv(example_file(tmp_path, "example-data-external"), item_map=item_map)
    assert loaded.data.dimensions == ("empathy", "integrity")
    assert [spec.n_categories for spec in loaded.data.items] == [3, 3, 2, 2]
    assert loaded.data.responses[1, 2] == MISSING


def test_the_categories_column_declares_the_category_count(tmp_path: Path) -> None:
    """What the document says: ``categories`` sets K, so a declared category nobody chose is
    kept; a code at or above K is an error naming the column; without it K is inferred."""
    entries = read_item_map_entries(example_file(tmp_path, "example-item-map-categories"))
    assert entries == {
        "Q1": ("empathy", 3),
        "Q2": ("empathy", 3),
        "Q3": ("integrity", 2),
        "Q4": ("integrity", 2),
    }
    data = example_file(tmp_path, "example-data-external")
    item_map = read_item_map(example_file(tmp_path, "example-item-map"))
    declared = {"Q1": 4, "Q2": 3, "Q3": 2, "Q4": 2}  # nobody chose code 3 of Q1
    loaded = read_response_csv(data, item_map=item_map, categories=declared)
    assert [spec.n_categories for spec in loaded.data.items] == [4, 3, 2, 2]
    assert not loaded.notes
    inferred = read_response_csv(data, item_map=item_map)
    assert [spec.n_categories for spec in inferred.data.items] == [3, 3, 2, 2]
    assert any("inferred from the highest observed code" in note for note in inferred.notes)
    with pytest.raises(DataFileError, match=r"column 'Q2': code 2 is outside 0\.\.1"):
        read_response_csv(data, item_map=item_map, categories={**declared, "Q2": 2})


def test_a_wrong_cell_is_reported_as_the_document_shows(tmp_path: Path) -> None:
    path = tmp_path / "DATA.csv"
    text = examples()["example-data-bank"].replace("R0002,A,C,,B", "R0002,A,C,E,B")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        read_response_csv(path, specs=item_specs(load_bank()), dimensions=COMPETENCIES)
    assert "line 3, column 'EM-002': 'E' is not one of A, B, C, D or an integer code" in str(
        caught.value
    )
    assert "line 3, column 'EM-002': 'E' is not one of A, B, C, D" in DOCUMENT.read_text(
        encoding="utf-8"
    )


# ------------------------------------------------------------------------ model files
def model_probabilities(document: ModelDocument, column: int, theta: np.ndarray) -> np.ndarray:
    """Category probabilities (categories × θ) of one item, computed by its item model."""
    parameters = document.parameters
    item = parameters.items[column]
    return parameters.item_model_for(column).probabilities(
        np.array([item.params]), np.array([item.spec.scores]), theta
    )[0]


def test_the_minimal_model_example_loads() -> None:
    document = ModelDocument.from_json(examples()["example-model-minimal"])
    assert document.model == "gpcm"
    assert document.item_ids == ("EM-002",)
    assert document.latent_correlation is None
    np.testing.assert_allclose(document.correlation_matrix(), [[1.0]])


def test_the_full_model_example_loads_with_every_section() -> None:
    document = ModelDocument.from_json(examples()["example-model-full"])
    fields = set(ModelDocument.model_fields) - {"extra", "form"}
    missing = {name for name in fields if getattr(document, name) is None}
    assert not missing, f"the full example lacks {missing}"
    assert document.extra == {}
    assert document.items[1].item_model == "nrm_most_least"
    assert document.items[1].options is not None
    norms = document.norms
    assert norms is not None
    assert norms["empathy"].synthetic is True
    assert norms["empathy"].group_names == {"zh": "模拟参照样本"}
    again = ModelDocument.from_json(document.to_json())
    assert again == document


def test_the_joint_most_least_probabilities_follow_the_documented_formula() -> None:
    """P(j, k | θ) = softmax(u)_j · softmax over m ≠ j of v, as docs/file-formats.md states."""
    document = ModelDocument.from_json(examples()["example-model-full"])
    entry = document.items[1]
    assert entry.options is not None
    theta = np.array([-1.0, 0.3, 1.7])
    u = np.array([[o.most_slope * t + o.most_intercept for o in entry.options] for t in theta])
    v = np.array([[o.least_slope * t + o.least_intercept for o in entry.options] for t in theta])
    n = len(entry.options)
    expected = []
    for j in range(n):
        for k in range(n):
            if k != j:
                others = [m for m in range(n) if m != j]
                p_most = np.exp(u[:, j]) / np.exp(u).sum(axis=1)
                p_least = np.exp(v[:, k]) / np.exp(v[:, others]).sum(axis=1)
                expected.append(p_most * p_least)
    computed = model_probabilities(document, 1, theta)
    np.testing.assert_allclose(computed, np.array(expected), rtol=1e-10)


def test_a_joint_items_categories_give_its_most_pick_by_the_divide_by_total_formula() -> None:
    """The document: for a joint item, categories describe the most pick, so the contract's
    formula on them is the marginal P(most pick = k | θ) of the joint model."""
    document = ModelDocument.from_json(examples()["example-model-full"])
    categories = document.items[1].categories
    assert categories is not None
    theta = np.array([-1.0, 0.3, 1.7])
    z = np.array([[c.slope * t + (c.intercept or 0.0) for c in categories] for t in theta])
    contract = (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)).T
    pairs = model_probabilities(document, 1, theta)
    n = len(categories)
    marginal = np.array([pairs[j * (n - 1) : (j + 1) * (n - 1)].sum(axis=0) for j in range(n)])
    np.testing.assert_allclose(contract, marginal, rtol=1e-10)


def test_the_divide_by_total_and_graded_formulas_hold_for_the_examples() -> None:
    theta = np.array([-0.5, 0.0, 1.2])
    gpcm = ModelDocument.from_json(examples()["example-model-minimal"])
    categories = gpcm.items[0].categories
    assert categories is not None
    z = np.array([[c.slope * t + (c.intercept or 0.0) for c in categories] for t in theta])
    expected = (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)).T
    np.testing.assert_allclose(model_probabilities(gpcm, 0, theta), expected, rtol=1e-10)

    grm = ModelDocument.from_json(examples()["example-model-grm"])
    assert grm.form == "cumulative"
    categories = grm.items[0].categories
    assert categories is not None
    a = categories[0].slope
    star = [np.ones_like(theta)]
    star += [1 / (1 + np.exp(-(a * theta + c.intercept))) for c in categories[1:]]  # type: ignore[operator]
    star.append(np.zeros_like(theta))
    expected = np.array([star[k] - star[k + 1] for k in range(len(categories))])
    np.testing.assert_allclose(model_probabilities(grm, 0, theta), expected, rtol=1e-10)
