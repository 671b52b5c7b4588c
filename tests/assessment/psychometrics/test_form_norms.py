"""Each form's candidates are compared with estimates from that form.

EAP estimates shrink towards the prior by an amount that depends on the items answered, so
a norm table of one design misplaces the candidates of another. The checks draw candidates
from the norm population itself: referenced correctly, their percentiles are uniform on
0–100 (mean 50, SD 100/√12 ≈ 28.9, a tenth above the 90th percentile).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from assessment.demo import synthetic_model_document
from assessment.errors import DataFileError
from assessment.model_document import ModelDocument, NormReference, NormSection
from assessment.psychometrics.form_norms import form_norms, simulated_form_estimates
from items import load_bank
from items.forms import load_fixed_form
from scoring import simulate_theta
from scoring.norms import NormTable

UNIFORM_SD = 100.0 / np.sqrt(12.0)
N = 1500


def _population(document: ModelDocument, seed: int) -> np.ndarray:
    parameters = document.parameters
    rng = np.random.default_rng(seed)
    return simulate_theta(N, len(parameters.dimensions), rng, parameters.correlation)


def _percentiles(tables: dict[str, NormTable], theta: np.ndarray, dims: tuple[str, ...]):
    return np.column_stack([tables[d].percentile(theta[:, c]) for c, d in enumerate(dims)])


def _t_sd(tables: dict[str, NormTable], theta: np.ndarray, dims: tuple[str, ...]) -> float:
    """SD of the T-scores over every competency."""
    return float(
        np.column_stack([tables[d].t_score(theta[:, c]) for c, d in enumerate(dims)]).std()
    )


@pytest.fixture(scope="module")
def whole_bank_normed() -> tuple[ModelDocument, tuple[str, ...]]:
    """The synthetic model normed on a long design (the whole bank, as a calibration sample
    answers it) for the adaptive test, with fixed-form tables of its own."""
    bank = load_bank()
    base = synthetic_model_document(bank)
    parameters, dims = base.parameters, base.dimensions
    form = load_fixed_form(bank)
    every_item = parameters.item_ids
    long = simulated_form_estimates(
        parameters, _population(base, 1), every_item, np.random.default_rng(2)
    )
    short = simulated_form_estimates(
        parameters, _population(base, 3), form, np.random.default_rng(4)
    )
    document = base.with_changes(
        norms={
            d: NormSection.from_table(NormTable.from_estimates(long[:, c], "long design (n=1500)"))
            for c, d in enumerate(dims)
        },
        norm_reference=NormReference(sample="long design", n=N, date="", form="adaptive"),
        form_norms={"fixed": form_norms(short, dims, "fixed form (n=1500)", "simulation")},
    )
    return document, form


def test_fixed_form_candidates_of_the_norm_population_get_uniform_percentiles(
    whole_bank_normed: tuple[ModelDocument, tuple[str, ...]],
) -> None:
    document, form = whole_bank_normed
    dims = document.dimensions
    estimates = simulated_form_estimates(
        document.parameters, _population(document, 5), form, np.random.default_rng(6)
    )
    reference = document.form_reference("fixed", dims)
    assert reference.norm_basis == "form"
    assert reference.method == "simulation"
    fixed = _percentiles(reference.tables, estimates, dims)
    # the old reference: the one table of every form, made from the longer design's estimates
    pooled = _percentiles(document.norm_tables, estimates, dims)
    assert abs(fixed.mean() - 50.0) < 2.0
    assert abs(fixed.std() - UNIFORM_SD) < 1.0
    assert abs(np.mean(fixed > 90) - 0.10) < 0.015
    assert abs(np.mean(fixed < 10) - 0.10) < 0.015
    assert abs(_t_sd(reference.tables, estimates, dims) - 10.0) < 0.4
    # the longer design's table squeezes them towards the middle (seed 5: 6.6% above the
    # 90th percentile, 8.8% below the 10th, T-scores with an SD of 9.1)
    assert np.mean(pooled > 90) + np.mean(pooled < 10) < 0.17
    assert _t_sd(document.norm_tables, estimates, dims) < 9.5


def test_the_form_that_norms_describe_uses_them_and_an_older_file_says_it_does_not_know(
    whole_bank_normed: tuple[ModelDocument, tuple[str, ...]],
) -> None:
    document, _ = whole_bank_normed
    adaptive = document.form_reference("adaptive", document.dimensions)
    assert adaptive.norm_basis == "form"
    assert adaptive.tables == document.norm_tables
    older = ModelDocument.from_json(
        document.with_changes(form_norms=None, norm_reference=None).to_json()
    )
    for form in ("adaptive", "fixed"):
        found = older.form_reference(form, older.dimensions)
        assert found.norm_basis == "design_not_recorded"
        assert found.tables == older.norm_tables


def test_form_norms_round_trip_and_name_only_dimensions_of_the_model(
    whole_bank_normed: tuple[ModelDocument, tuple[str, ...]],
) -> None:
    document, _ = whole_bank_normed
    assert ModelDocument.from_json(document.to_json()) == document
    data = document.to_dict()
    data["form_norms"]["fixed"]["norms"]["charisma"] = data["norms"]["empathy"]
    with pytest.raises(DataFileError, match=re.escape("form_norms.fixed: ['charisma'] not in")):
        ModelDocument.from_dict(data)


def test_the_demo_model_compares_fixed_form_candidates_with_fixed_form_estimates() -> None:
    bank = load_bank()
    document = synthetic_model_document(bank)
    dims = document.dimensions
    reference = document.form_reference("fixed", dims)
    assert reference.norm_basis == "form"
    assert document.form_reference("adaptive", dims).norm_basis == "form"
    estimates = simulated_form_estimates(
        document.parameters, _population(document, 7), load_fixed_form(bank),
        np.random.default_rng(8),
    )  # fmt: skip
    fixed = _percentiles(reference.tables, estimates, dims)
    assert abs(fixed.mean() - 50.0) < 2.5
    assert abs(fixed.std() - UNIFORM_SD) < 1.5
