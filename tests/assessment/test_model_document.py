"""The model document: round trip, old files, located errors for bad files, correlations."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from assessment.errors import AssessmentError, DataFileError
from assessment.model_document import (
    EstimateCorrelation,
    FitSection,
    Linking,
    ModelDocument,
    NormReference,
    NormSection,
    Provenance,
)
from assessment.persistence.store import Store
from scoring import ModelParameters
from scoring.norms import NormTable

NORM = NormTable.from_estimates(np.linspace(-2.0, 2.5, 101), "reference sample (n=101)")


def old_file() -> dict[str, Any]:
    """A model file in the form ``sjt calibrate`` wrote before the document existed."""
    categories = [
        {"code": code, "slope": slope, "intercept": 0.1 * k, "score": float(k)}
        for k, (code, slope) in enumerate(zip("ABC", (0.0, 0.7, 1.5), strict=True))
    ]
    data: dict[str, Any] = {
        "model": "nrm",
        "dimensions": ["empathy", "integrity"],
        "items": [
            {"item_id": "EM-1", "dimension": "empathy", "categories": categories},
            {
                "item_id": "IN-1",
                "dimension": "integrity",
                "categories": [
                    {"code": k, "slope": s, "intercept": i, "score": float(k)}
                    for k, (s, i) in enumerate(((0.0, 0.0), (0.4, 0.2), (1.1, -0.5)))
                ],
            },
        ],
    }
    data = ModelParameters.from_dict(data).to_dict()
    for item in data["items"]:
        item["standard_errors"] = [0.1, None, 0.2, 0.3]
    data["fit"] = {
        "converged": True,
        "n_iter": 40,
        "iterations": {"empathy": 18, "integrity": 22},
        "loglik": -1234.5,
        "aic": 2485.0,
        "bic": 2510.25,
        "n_params": 8,
        "n_candidates": 500,
        "marginal_reliability": {"empathy": 0.81, "integrity": 0.77},
        "se_method": "oakes",
    }
    data["estimation"] = {
        "method": "MML-EM (Bock-Aitkin) + SQUAREM",
        "n_quad": 61,
        "priors": {"slope_mean": 0.0, "slope_sd": 2.0, "intercept_sd": 3.0},
    }
    data["norms"] = {d: NORM.to_dict() for d in data["dimensions"]}
    data["provenance"] = {
        "created_at": "2026-11-02T10:00:00+00:00",
        "software": "sjt-service 0.1.0",
        "data": "responses.csv",
        "scale": "theta ~ N(0, 1) in the calibration sample on every dimension",
    }
    return data


def full_document() -> ModelDocument:
    """Every section filled in, including the additions and an unknown top-level key."""
    data = old_file()
    data["latent_correlation"] = [[1.0, 0.35], [0.35, 1.0]]
    data["linking"] = {
        "method": "Stocking-Lord on common items",
        "linked_to": "v1",
        "slope": {"empathy": 1.05, "integrity": 0.97},
        "intercept": {"empathy": -0.02, "integrity": 0.04},
        "n_common_items": {"empathy": 12, "integrity": 9},
    }
    data["simulation"] = {
        "reliability": {"integrity": 0.79, "empathy": 0.8},
        "composite_reliability": 0.9,
        "rmse_over_se": {"empathy": 1.02, "integrity": 0.99},
        "mean_items": 29.5,
        "provenance": {"seed": 1, "model": "synthetic", "policy": {"max_items": 34}},
        "synthetic": True,
    }
    data["carried_over"] = ["IN-1", "EM-1"]
    data["version"] = "v2"
    data["reviewed_by"] = {"name": "psy", "checks": [1, 2]}
    return ModelDocument.from_dict(data)


def text_of(data: Any) -> str:
    return json.dumps(data)


def problems_of(text: str) -> str:
    with pytest.raises(DataFileError) as caught:
        ModelDocument.from_json(text, source="MODEL.json")
    assert caught.value.source == "MODEL.json"
    assert caught.value.problems
    return " | ".join(caught.value.problems)


# ------------------------------------------------------------------------ round trip
def test_a_full_document_round_trips_exactly() -> None:
    document = full_document()
    text = document.to_json()
    again = ModelDocument.from_json(text)
    assert again == document
    assert again.to_json() == text
    assert again.parameters.item_ids == ("EM-1", "IN-1")
    assert again.extra == {"reviewed_by": {"checks": [1, 2], "name": "psy"}}
    assert list(json.loads(text))[-1] == "reviewed_by"  # unknown keys come last
    simulation = json.loads(text)["simulation"]
    assert list(simulation["reliability"]) == ["empathy", "integrity"]  # dimension order
    assert list(simulation["provenance"]) == ["model", "policy", "seed"]


@pytest.mark.parametrize("n", [2, 3, 10, 1000])
def test_the_sd_bounds_hold_exactly_for_the_samples_that_reach_them(n: int) -> None:
    """Two values at the extremes and the rest at their midpoint give the least SD for their
    range; half at each extreme the greatest: both are accepted, a hair beyond them is not."""
    least = np.r_[-1.0, np.zeros(n - 2), 1.0]
    most = np.repeat([-1.0, 1.0], [n // 2, n - n // 2])
    for sample in (least, most):
        section = NormSection.from_table(NormTable.from_estimates(sample, "g"))
        assert section.table().sd == pytest.approx(float(np.std(sample, ddof=1)))
    for sd in (float(np.std(least, ddof=1)) * 0.999, np.sqrt(n / (n - 1)) * 1.001):
        data = NormSection.from_table(NormTable.from_estimates(least, "g")).model_dump()
        with pytest.raises(ValueError, match="is impossible"):
            NormSection.model_validate(data | {"sd": sd})


def test_to_json_does_not_depend_on_the_order_of_maps_in_the_input() -> None:
    data = json.loads(full_document().to_json())
    shuffled = dict(reversed(list(data.items())))
    shuffled["norms"] = dict(reversed(list(data["norms"].items())))
    shuffled["estimation"] = dict(reversed(list(data["estimation"].items())))
    shuffled["carried_over"] = ["EM-1", "IN-1"]
    assert ModelDocument.from_dict(shuffled).to_json() == full_document().to_json()
    assert json.loads(full_document().to_json())["carried_over"] == ["EM-1", "IN-1"]


def test_documents_differing_in_one_number_are_not_equal() -> None:
    document = full_document()
    other = document.with_changes(version="v3")
    assert other != document
    assert other.version == "v3"
    assert other.extra == document.extra


def test_derived_values_match_the_sections() -> None:
    document = full_document()
    assert document.reliability == {"empathy": 0.81, "integrity": 0.77}
    table = document.norm_tables["empathy"]
    assert float(table.t_score(NORM.mean)) == pytest.approx(50.0)
    np.testing.assert_allclose(document.correlation_matrix(), [[1.0, 0.35], [0.35, 1.0]])
    se = document.parameters.items[0].se
    assert se is not None
    assert np.isnan(se[1])
    assert se[0] == 0.1
    assert not document.synthetic


# ------------------------------------------------------------------------- old files
def test_an_old_calibration_file_loads_and_is_written_back_unchanged() -> None:
    data = old_file()
    document = ModelDocument.from_json(text_of(data))
    assert document.latent_correlation is None
    assert document.linking is None
    assert document.provenance is not None
    assert document.provenance.kind is None
    written = json.loads(document.to_json())
    for old, new in zip(data.pop("items"), written.pop("items"), strict=True):
        np.testing.assert_allclose(new.pop("parameters"), old.pop("parameters"), rtol=1e-12)
        assert new == old
    assert written == data


def test_the_minimal_interfaces_file_loads() -> None:
    data = {
        "model": "grm",
        "dimensions": ["resilience"],
        "items": [
            {
                "item_id": "X1",
                "dimension": "resilience",
                "categories": [
                    {"code": 0, "slope": 1.2, "intercept": None},
                    {"code": 1, "slope": 1.2, "intercept": 1.0},
                    {"code": 2, "slope": 1.2, "intercept": -0.5},
                ],
            }
        ],
    }
    document = ModelDocument.from_json(text_of(data))
    assert document.form == "cumulative"  # filled in for the cumulative model
    assert document.norms is None
    assert document.norm_tables == {}
    assert document.reliability == {}
    written = json.loads(document.to_json())
    assert written["form"] == "cumulative"
    assert written["items"][0]["categories"][0]["intercept"] is None


def test_a_stale_parameters_list_is_replaced_by_the_categories() -> None:
    data = old_file()
    data["items"][0]["parameters"] = [9.0, 9.0, 9.0, 9.0]
    document = ModelDocument.from_dict(data)
    fresh = ModelDocument.from_dict(old_file())
    assert document == fresh
    assert json.loads(document.to_json())["items"][0]["parameters"][0] != 9.0


# ------------------------------------------------------------------------- bad files
def change(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value

    return apply


def remove(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]

    return apply


SLOPE = ("items", 0, "categories", 1, "slope")
BAD_DOCUMENTS = [
    ("text-slope", change(SLOPE, "x"), 'item EM-1.categories[1].slope: must be a number, got "x"'),
    ("bool-slope", change(SLOPE, True), "item EM-1.categories[1].slope: must be a number"),
    ("float-overflow", change(SLOPE, "<1e400>"), "item EM-1.categories[1].slope: must be a finite"),
    ("int-overflow", change(SLOPE, 10**400), "item EM-1.categories[1].slope: is too large"),
    ("bool-code", change(("items", 1, "categories", 0, "code"), True), "item IN-1.categories[0]"),
    ("no-items", remove(("items",)), "items: required field is missing"),
    ("no-slope", remove(SLOPE), "item EM-1.categories[1].slope: required field is missing"),
    (
        "misspelt-category-key",
        change(("items", 0, "categories", 1, "slop"), 1.0),
        "item EM-1.categories[1]: unknown field 'slop'",
    ),
    (
        "misspelt-top-level-key",
        change(("latent_corelation",), [[1.0, 0.0], [0.0, 1.0]]),
        "did you mean 'latent_correlation'",
    ),
    (
        "unknown-dimension",
        change(("items", 1, "dimension"), "honesty"),
        "item IN-1.dimension: 'honesty' is not in",
    ),
    ("repeated-item", change(("items", 1, "item_id"), "EM-1"), "EM-1"),
    ("norms-of-unknown-dimension", change(("norms", "honesty"), NORM.to_dict()), "norms: "),
    (
        "decreasing-quantiles",
        change(("norms", "empathy", "quantiles", 3), 5.0),
        "norms.empathy.quantiles: must not decrease",
    ),
    ("zero-sd", change(("norms", "empathy", "sd"), 0.0), "norms.empathy.sd"),
    (
        "mean-outside-the-quantiles",
        change(("norms", "empathy", "mean"), 1e308),
        "norms.empathy: mean 1e+308 lies outside the quantiles' range -2 to 2.5",
    ),
    (
        "tiny-sd",
        change(("norms", "empathy", "sd"), 1e-308),
        "norms.empathy: sd 1e-308 is impossible for 101 estimates with the quantiles' range 4.5",
    ),
    (
        "sd-wider-than-the-range",
        change(("norms", "empathy", "sd"), 2.3),
        "norms.empathy: sd 2.3 is impossible",
    ),
    (
        "standard-errors-length",
        change(("items", 1, "standard_errors"), [0.1]),
        "item IN-1.standard_errors: 1 values for 4 parameters",
    ),
    ("text-standard-error", change(("items", 0, "standard_errors", 0), "x"), "standard_errors[0]"),
    ("unknown-model", change(("model",), "rasch9"), "model: "),
    (
        "other-item-model",
        change(("items", 0, "item_model"), "gpcm"),
        "item EM-1: gpcm: category slopes [0.0, 0.7, 1.5] cannot be expressed by this model",
    ),
    (
        "simulation-of-unknown-dimension",
        change(("simulation",), {"reliability": {"honesty": 0.8}}),
        "simulation.reliability: ['honesty'] not in dimensions",
    ),
    (
        "misspelt-simulation-key",
        change(("simulation",), {"reliability": {"empathy": 0.8}, "mean_item": 30}),
        "simulation: unknown field 'mean_item'",
    ),
    ("carried-unknown", change(("carried_over",), ["ZZ-9"]), "carried_over: ['ZZ-9']"),
    ("bad-date", change(("provenance", "created_at"), "yesterday"), "provenance.created_at"),
    ("one-category", change(("items", 1, "categories"), []), "item IN-1.categories"),
    ("deep-extra", change(("notes",), json.loads("[" * 40 + "]" * 40)), "nested deeper than 32"),
]


@pytest.mark.parametrize(
    ("alter", "expected"), [pytest.param(a, e, id=n) for n, a, e in BAD_DOCUMENTS]
)
def test_a_bad_document_is_one_located_error(
    alter: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = old_file()
    alter(data)
    text = json.dumps(data).replace('"<1e400>"', "1e400")  # json.loads reads 1e400 as inf
    assert expected in problems_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"model": NaN}', "model: must be a finite number, got nan", id="nan"),
        pytest.param(
            '{\n"model": -Infinity}', "model: must be a finite number, got -inf", id="inf"
        ),
        pytest.param('{"model": "nrm",\n "dimensions": [}', "line 2, column", id="syntax"),
        pytest.param('{"model": "nrm", "model": "gpcm"}', "'model' appears twice", id="repeat"),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="recursion"),
        pytest.param("[1, 2]", "top level", id="not-an-object"),
        pytest.param("", "invalid JSON", id="empty"),
    ],
)
def test_bad_json_is_one_located_error(text: str, expected: str) -> None:
    assert expected in problems_of(text)


def test_the_error_message_names_the_file_and_is_not_a_traceback() -> None:
    data = old_file()
    change(SLOPE, "x")(data)
    with pytest.raises(DataFileError) as caught:
        ModelDocument.from_json(json.dumps(data), source="models/v7.json")
    message = str(caught.value)
    assert message.startswith("models/v7.json has 1 problem(s)")
    assert "Traceback" not in message
    assert "pydantic" not in message


def test_an_unknown_top_level_key_is_kept_but_not_inside_a_section() -> None:
    data = old_file()
    data["comment"] = "checked by the psychometrician"
    assert ModelDocument.from_dict(data).extra == {"comment": "checked by the psychometrician"}
    data["fit"]["comment"] = "x"
    assert "fit: unknown field 'comment'" in problems_of(json.dumps(data))


def test_with_changes_validates_the_result() -> None:
    document = full_document()
    with pytest.raises(DataFileError, match="norms: \\['honesty'\\] not in dimensions"):
        document.with_changes(norms={"honesty": NormSection.from_table(NORM)})
    with pytest.raises(TypeError, match="no field"):
        document.with_changes(colour="blue")


# ---------------------------------------------------------------------- correlations
@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        pytest.param([[1.0, 0.3]], "must be 2 x 2", id="one-row"),
        pytest.param([[1.0, 0.3, 0.1], [0.3, 1.0, 0.1]], "must be 2 x 2", id="too-wide"),
        pytest.param([[1.0, 0.3], [0.2, 1.0]], "not symmetric: [0][1] = 0.3", id="asymmetric"),
        pytest.param([[0.9, 0.3], [0.3, 1.0]], "[0][0] (empathy): must be 1", id="diagonal"),
        pytest.param([[1.0, 1.2], [1.2, 1.0]], "[0][1]: a correlation must lie in", id="range"),
        pytest.param([[1.0, 1.0], [1.0, 1.0]], "not positive definite", id="singular"),
        pytest.param(
            [[1.0, "x"], [0.3, 1.0]], "latent_correlation[0][1]: must be a num", id="text"
        ),
    ],
)
def test_a_bad_latent_correlation_is_named(matrix: Any, expected: str) -> None:
    data = old_file()
    data["latent_correlation"] = matrix
    assert expected in problems_of(json.dumps(data))


def test_correlations_that_cannot_hold_together_are_not_positive_definite() -> None:
    data = old_file()
    data["dimensions"].append("composure")
    data["latent_correlation"] = [[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]]
    assert "not positive definite" in problems_of(json.dumps(data))
    data["latent_correlation"] = [[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]]
    matrix = ModelDocument.from_dict(data).correlation_matrix()
    assert matrix[0, 2] == 0.4


def test_without_a_latent_correlation_the_dimensions_are_independent() -> None:
    np.testing.assert_array_equal(
        ModelDocument.from_dict(old_file()).correlation_matrix(), np.eye(2)
    )


def test_the_norm_groups_correlation_is_its_own_or_for_old_files_the_latent_one() -> None:
    old = full_document()  # no estimate_correlation: the latent correlation stands in
    matrix, basis = old.norm_group_correlation(("integrity", "empathy", "composure"))
    assert basis == "norm_group_latent_correlation"
    np.testing.assert_array_equal(matrix, [[1.0, 0.35, 0.0], [0.35, 1.0, 0.0], [0.0, 0.0, 1.0]])
    theta = np.random.default_rng(3).multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], 500)
    own = EstimateCorrelation.of_estimates(theta, ("empathy", "integrity"))
    document = old.with_changes(
        norm_reference=NormReference(sample="s", n=500, date="2026-01-01", estimate_correlation=own)
    )
    matrix, basis = document.norm_group_correlation(("integrity", "empathy"))
    assert basis == "norm_group"
    assert matrix[0, 1] == pytest.approx(np.corrcoef(theta, rowvar=False)[0, 1], abs=1e-6)
    assert ModelDocument.from_json(document.to_json()) == document
    data = document.to_dict()
    data["norm_reference"]["estimate_correlation"]["rows"] = [[1.0, 0.3], [0.2, 1.0]]
    assert "estimate_correlation: not symmetric" in problems_of(json.dumps(data))
    data["norm_reference"]["estimate_correlation"] = {"dimensions": ["honesty"], "rows": [[1.0]]}
    assert "['honesty'] not in dimensions" in problems_of(json.dumps(data))


# ----------------------------------------------------------------------- building
def test_from_parameters_takes_typed_sections() -> None:
    parameters = full_document().parameters
    document = ModelDocument.from_parameters(
        parameters,
        norms={"empathy": NormSection.from_table(NORM, synthetic=True)},
        fit=FitSection(marginal_reliability={"empathy": 0.8}),
        provenance=Provenance(kind="synthetic", note="simulated"),
        linking=Linking(method="m", linked_to="v1", slope={}, intercept={}, n_common_items={}),
    )
    assert document.synthetic
    assert document.norms is not None
    assert document.norms["empathy"].synthetic is True
    assert document.parameters.item_ids == parameters.item_ids
    assert ModelDocument.from_json(document.to_json()) == document


def test_the_store_keeps_the_document_and_parses_it_once(tmp_path: Any) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'models.db'}")
    document = full_document()
    version_id = store.add_model_version("v2", document, activate=True)
    stored = store.active_model_document()
    assert stored is not None
    assert (stored.version_id, stored.label) == (version_id, "v2")
    assert stored.document == document
    assert store.active_model_document() is stored
    assert store.model_document_by_label("v2") is stored
    assert store.model_document_by_label("v9") is None
    store.engine.dispose()


# ------------------------------------------------------------------ joint most/least items
def joint_file() -> dict[str, Any]:
    """A model file with a joint most/least item as written before it carried categories."""
    options = [
        {"code": code, "most_score": m, "least_score": 3.0 - m, "most_slope": a,
         "most_intercept": c, "least_slope": -a, "least_intercept": 0.1 * k}
        for k, (code, m, a, c) in enumerate(
            zip("ABCD", (1.0, 3.0, 2.0, 0.0), (0.0, 1.4, 0.7, -0.6), (0.0, 0.8, 0.5, -0.4),
                strict=True)
        )
    ]  # fmt: skip
    return {
        "model": "nrm",
        "dimensions": ["empathy"],
        "items": [{"item_id": "EM-001", "dimension": "empathy",
                   "item_model": "nrm_most_least", "options": options}],
    }  # fmt: skip


def test_a_joint_item_gets_the_most_picks_categories_of_the_contract() -> None:
    """interfaces.md promises categories for every item: an older file without them loads and
    is written with them (the most pick's), which then load again to the same document."""
    document = ModelDocument.from_dict(joint_file())
    written = json.loads(document.to_json())
    entry = written["items"][0]
    assert [(c["code"], c["slope"], c["intercept"], c["score"]) for c in entry["categories"]] == [
        ("A", 0.0, 0.0, 1.0), ("B", 1.4, 0.8, 3.0), ("C", 0.7, 0.5, 2.0), ("D", -0.6, -0.4, 0.0)
    ]  # fmt: skip
    assert list(entry)[:5] == ["item_id", "dimension", "item_model", "categories", "options"]
    assert ModelDocument.from_json(document.to_json()) == document


def test_a_joint_items_categories_contradicting_its_options_are_refused_by_name() -> None:
    data = json.loads(ModelDocument.from_dict(joint_file()).to_json())
    data["items"][0]["categories"][1]["intercept"] = 2.5
    assert "item EM-001.categories[1].intercept: 2.5 contradicts options[1].most_intercept" in (
        problems_of(text_of(data))
    )


@pytest.mark.parametrize(
    "theta",
    [
        np.random.default_rng(4).normal(size=(2, 2)),  # no more respondents than dimensions
        np.column_stack([np.random.default_rng(5).normal(size=50), np.ones(50)]),  # constant
    ],
    ids=["too-few", "constant"],
)
def test_a_sample_that_does_not_determine_the_correlation_is_refused_clearly(
    theta: np.ndarray,
) -> None:
    with pytest.raises(AssessmentError, match="do not determine the correlation of the 2"):
        EstimateCorrelation.of_estimates(theta, ("empathy", "integrity"))
