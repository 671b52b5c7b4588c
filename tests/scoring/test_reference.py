"""MML-EM calibration against published results of the R package mirt on public data.

The data sets and mirt's numbers live in ``reference_data/`` with their provenance (repository,
path, commit, the R call that produced them); see ``reference_values.json``. mirt's defaults for
a unidimensional model (EM, 61 equally spaced nodes on [-6, 6] under N(0, 1), stop when the
largest parameter change is below 1e-4) are our defaults, so every fit here runs
``MMLCalibrator(model)`` with its defaults, stated explicitly.

Tolerances (absolute unless said otherwise):

* parameters: 0.02 against mirt's default runs (TOL 1e-4), whose stopping rule itself leaves
  estimates up to ~0.015 from the maximum on flat intercepts (mirt's own tighter runs show it);
  0.01 against mirt's tightly converged runs (SE.type = 'SEM', TOL 1e-5);
* log-likelihood: 0.01;
* category probabilities on θ = -4, -3.9, …, 4: 0.005 (the product's accuracy target);
* standard errors (our observed information via Oakes' identity) against mirt's observed
  information SEs (Richardson Hessian, Louis): 3 % relative.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.optimize import minimize

from scoring.calibration import CalibrationResult, MMLCalibrator
from scoring.data import ItemSpec, ResponseMatrix
from scoring.models import get_model
from scoring.quadrature import QuadratureGrid

DATA_DIR = Path(__file__).parent / "reference_data"
REFERENCE: dict[str, Any] = json.loads((DATA_DIR / "reference_values.json").read_text("utf-8"))
REFS: dict[str, dict[str, Any]] = REFERENCE["references"]

PARAM_TOL_DEFAULT_RUN = 0.02
PARAM_TOL_TIGHT_RUN = 0.01
LOGLIK_TOL = 0.01
PROB_TOL = 0.005
SE_RTOL = 0.03
THETA_GRID = np.round(np.linspace(-4.0, 4.0, 81), 10)
Z_975 = 1.959964  # qnorm(0.975): mirt's coef() prints Wald limits par -/+ Z_975 * SE

# Our parameter order per model, as names in mirt's coef() output.
PARAM_NAMES = {
    "2pl": ("a1", "d"),
    "grm": ("a1", "d1", "d2", "d3"),
    "gpcm": ("a1", "d1", "d2", "d3"),
}

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- data loading
@cache
def load_lsat7() -> ResponseMatrix:
    """LSAT section 7: 32 patterns with frequencies, expanded to 1000 respondents."""
    table = np.loadtxt(DATA_DIR / "lsat7.csv", delimiter=",", skiprows=1, dtype=np.int64)
    responses = np.repeat(table[:, :5], table[:, 5], axis=0)
    ids = REFERENCE["datasets"]["lsat7"]["item_ids"]
    items = tuple(ItemSpec(item_id, "F1", (0, 1), (0.0, 1.0)) for item_id in ids)
    return ResponseMatrix(responses, items, ("F1",))


@cache
def load_science() -> ResponseMatrix:
    """Science: 392 respondents, 4 items coded 1..4 (category index = code - 1)."""
    codes = np.loadtxt(DATA_DIR / "science.csv", delimiter=",", skiprows=1, dtype=np.int64)
    ids = REFERENCE["datasets"]["science"]["item_ids"]
    items = tuple(ItemSpec(item_id, "F1", (1, 2, 3, 4), (0.0, 1.0, 2.0, 3.0)) for item_id in ids)
    return ResponseMatrix(codes - 1, items, ("F1",))


DATASETS = {"lsat7": load_lsat7, "science": load_science}


@cache
def calibrate(dataset: str, model: str, standard_errors: str = "louis") -> CalibrationResult:
    """Our fit with settings matched to mirt's defaults (61 nodes on [-6, 6], TOL 1e-4, no
    priors: maximum likelihood, as mirt)."""
    calibrator = MMLCalibrator(
        model, grid=QuadratureGrid(61, 6.0), tol=1e-4, priors=None,
        standard_errors=standard_errors,  # type: ignore[arg-type]
    )  # fmt: skip
    return calibrator.fit(DATASETS[dataset]())


def estimates(result: CalibrationResult) -> FloatArray:
    return np.array([item.params for item in result.parameters])


def standard_errors(result: CalibrationResult) -> FloatArray:
    return np.array([item.se for item in result.parameters], dtype=float)


def scores_of(data: ResponseMatrix) -> FloatArray:
    return np.array([item.scores for item in data.items])


# ------------------------------------------------------------------ published mirt values
def parse_vector(reference: dict[str, Any]) -> list[dict[str, Any]]:
    """Split mirt's ``do.call(c, coef(mod))`` vector into one {name: value} per item."""
    layout = reference["vector_layout"]
    per_item, trailing = layout["per_item"], layout["trailing"]
    vector = reference["published_vector"]
    n_items = (len(vector) - len(trailing)) // len(per_item)
    assert n_items * len(per_item) + len(trailing) == len(vector), "layout does not fit vector"
    width = len(per_item)
    return [
        dict(zip(per_item, vector[j * width : (j + 1) * width], strict=True))
        for j in range(n_items)
    ]


def mirt_params(reference: dict[str, Any]) -> FloatArray:
    names = PARAM_NAMES[reference["model"]]
    return np.array([[item[name] for name in names] for item in parse_vector(reference)], float)


def mirt_standard_errors(reference: dict[str, Any]) -> FloatArray:
    """Published SEs, or SEs recovered from published Wald 95 % limits."""
    names = PARAM_NAMES[reference["model"]]
    rows = []
    for item in parse_vector(reference):
        if f"{names[0]}_SE" in item:
            rows.append([item[f"{name}_SE"] for name in names])
        else:
            rows.append(
                [(item[f"{name}_CI_97.5"] - item[f"{name}_CI_2.5"]) / (2 * Z_975) for name in names]
            )
    return np.array(rows, dtype=float)


def marginal_loglik(model: str, params: FloatArray, data: ResponseMatrix) -> float:
    """Marginal log-likelihood on mirt's default grid (61 nodes on [-6, 6], N(0, 1) weights)."""
    quad = QuadratureGrid(61, 6.0).normal()
    prob = get_model(model).probabilities(np.asarray(params, float), scores_of(data), quad.points)
    patterns, counts = np.unique(data.responses, axis=0, return_counts=True)
    log_joint = np.zeros((patterns.shape[0], quad.points.size))
    for j in range(data.n_items):
        log_joint += np.log(prob[j, patterns[:, j], :])
    peak = log_joint.max(axis=1)
    per_pattern = peak + np.log(np.exp(log_joint - peak[:, None]) @ quad.weights)
    return float(counts @ per_pattern)


def describe(ours: FloatArray, theirs: FloatArray, data: ResponseMatrix, model: str) -> str:
    """Name every parameter that differs, for a readable failure message."""
    lines = []
    for j, item in enumerate(data.items):
        for p, name in enumerate(PARAM_NAMES[model]):
            diff = ours[j, p] - theirs[j, p]
            lines.append(
                f"{item.item_id}.{name}: ours {ours[j, p]:.4f} mirt {theirs[j, p]:.4f}"
                f" diff {diff:+.4f}"
            )
    return "\n".join(lines)


XFAIL_GPCM = pytest.mark.xfail(
    strict=True,
    reason=(
        "mirt 1.45.6's published gpcm estimate for Science stopped short of the maximum on a flat "
        "ridge (TOL 1e-4): its log-likelihood is -1612.6830, ours -1612.6816, and a direct BFGS "
        "maximisation started at mirt's estimate reaches our estimate (see "
        "test_science_gpcm_published_estimate_is_not_the_maximum). Largest gaps (ours vs mirt): "
        "Future d2 6.841 vs 6.759, d3 4.981 vs 4.918, d1 4.660 vs 4.601, a1 2.237 vs 2.204; "
        "probabilities differ by up to 0.0053 (Future, lowest category, theta -2.6)."
    ),
)

# (reference id, parameter tolerance)
PARAMETER_CASES = [
    pytest.param("lsat7_2pl", PARAM_TOL_DEFAULT_RUN, id="lsat7-2pl"),
    pytest.param("lsat7_2pl_sem", PARAM_TOL_TIGHT_RUN, id="lsat7-2pl-tight"),
    pytest.param("lsat7_2pl_richardson", PARAM_TOL_DEFAULT_RUN, id="lsat7-2pl-richardson-run"),
    pytest.param("science_graded", PARAM_TOL_DEFAULT_RUN, id="science-grm"),
    pytest.param("science_graded_louis", PARAM_TOL_DEFAULT_RUN, id="science-grm-louis-run"),
    pytest.param("science_graded_sem", PARAM_TOL_TIGHT_RUN, id="science-grm-tight"),
    pytest.param("science_gpcm", PARAM_TOL_DEFAULT_RUN, id="science-gpcm", marks=XFAIL_GPCM),
]
LOGLIK_CASES = ["lsat7_2pl", "science_graded", "science_gpcm"]
PROBABILITY_CASES = [
    pytest.param("lsat7_2pl", id="lsat7-2pl"),
    pytest.param("lsat7_2pl_sem", id="lsat7-2pl-tight"),
    pytest.param("science_graded", id="science-grm"),
    pytest.param("science_graded_louis", id="science-grm-louis-run"),
    pytest.param("science_graded_sem", id="science-grm-tight"),
    pytest.param("science_gpcm", id="science-gpcm", marks=XFAIL_GPCM),
]
SE_CASES = [
    pytest.param("lsat7_2pl_richardson", id="lsat7-2pl-richardson"),
    pytest.param("science_graded_louis", id="science-grm-louis"),
]


# ------------------------------------------------------------------------ the data sets
def test_lsat7_matches_mirt_descriptives() -> None:
    data = load_lsat7()
    published = REFERENCE["datasets"]["lsat7"]["published_descriptives"]
    assert data.responses.shape == (1000, 5)
    total = data.responses.sum(axis=1)
    np.testing.assert_allclose(data.responses.mean(axis=0), published["item_means"], atol=5e-4)
    assert np.bincount(total, minlength=6).tolist() == published["sum_score_observed"]
    assert total.mean() == pytest.approx(published["mean_total"], abs=5e-4)
    assert total.std(ddof=1) == pytest.approx(published["sd_total"], abs=5e-4)


def test_science_matches_mirt_descriptives() -> None:
    data = load_science()
    published = REFERENCE["datasets"]["science"]["published_descriptives"]
    codes = data.responses + 1
    assert codes.shape == (392, 4)
    np.testing.assert_allclose(codes.mean(axis=0), published["item_means"], atol=5e-4)
    np.testing.assert_allclose(codes.std(axis=0, ddof=1), published["item_sds"], atol=5e-4)
    for j, item in enumerate(data.items):
        proportions = np.bincount(data.responses[:, j], minlength=4) / data.n_candidates
        np.testing.assert_allclose(proportions, published["proportions"][item.item_id], atol=5e-4)
    total = codes.sum(axis=1)
    assert total.mean() == pytest.approx(published["mean_total"], abs=5e-4)
    assert total.std(ddof=1) == pytest.approx(published["sd_total"], abs=5e-4)


@pytest.mark.parametrize("ref_id", LOGLIK_CASES)
def test_our_likelihood_at_mirt_estimates_gives_mirt_loglik(ref_id: str) -> None:
    """Same data and same model: our likelihood at mirt's (rounded) estimates is mirt's logLik."""
    reference = REFS[ref_id]
    data = DATASETS[reference["dataset"]]()
    value = marginal_loglik(reference["model"], mirt_params(reference), data)
    assert value == pytest.approx(reference["loglik"], abs=LOGLIK_TOL)


# ----------------------------------------------------------------------- the calibration
@pytest.mark.parametrize(("ref_id", "tolerance"), PARAMETER_CASES)
def test_parameters_match_mirt(ref_id: str, tolerance: float) -> None:
    reference = REFS[ref_id]
    result = calibrate(reference["dataset"], reference["model"])
    assert result.converged
    ours, theirs = estimates(result), mirt_params(reference)
    data = DATASETS[reference["dataset"]]()
    message = describe(ours, theirs, data, reference["model"])
    assert np.max(np.abs(ours - theirs)) <= tolerance, message


@pytest.mark.parametrize("ref_id", LOGLIK_CASES)
def test_loglik_matches_mirt(ref_id: str) -> None:
    reference = REFS[ref_id]
    result = calibrate(reference["dataset"], reference["model"])
    assert result.loglik == pytest.approx(reference["loglik"], abs=LOGLIK_TOL)
    # Maximum likelihood: we may end higher than mirt's rounded report, never clearly lower.
    assert result.loglik >= reference["loglik"] - 1e-3


@pytest.mark.parametrize("ref_id", PROBABILITY_CASES)
def test_category_probabilities_match_mirt(ref_id: str) -> None:
    reference = REFS[ref_id]
    model = get_model(reference["model"])
    result = calibrate(reference["dataset"], reference["model"])
    scores = scores_of(DATASETS[reference["dataset"]]())
    ours = model.probabilities(estimates(result), scores, THETA_GRID)
    theirs = model.probabilities(mirt_params(reference), scores, THETA_GRID)
    gap = np.abs(ours - theirs)
    j, k, q = np.unravel_index(np.argmax(gap), gap.shape)
    assert gap.max() <= PROB_TOL, f"item {j} category {k} at theta {THETA_GRID[q]}: {gap.max():.5f}"


@pytest.mark.parametrize("method", ["louis", "oakes"])
@pytest.mark.parametrize("ref_id", SE_CASES)
def test_standard_errors_match_mirt_observed_information(ref_id: str, method: str) -> None:
    """Our observed-information SEs (analytic Louis, numerical Oakes) against mirt's
    Richardson / Louis observed SEs."""
    reference = REFS[ref_id]
    result = calibrate(reference["dataset"], reference["model"], method)
    assert result.se_method == method
    np.testing.assert_allclose(
        standard_errors(result), mirt_standard_errors(reference), rtol=SE_RTOL
    )


def test_science_gpcm_published_estimate_is_not_the_maximum() -> None:
    """Why the gpcm comparison is xfail: mirt's published point is short of the maximum.

    A generic optimiser (BFGS on the marginal likelihood, independent of our EM) started at
    mirt's published estimate climbs to our estimate, and our log-likelihood is higher.
    """
    reference = REFS["science_gpcm"]
    data = load_science()
    start = mirt_params(reference)
    result = calibrate("science", "gpcm")

    def negative_loglik(flat: FloatArray) -> float:
        return -marginal_loglik("gpcm", flat.reshape(start.shape), data)

    direct = minimize(negative_loglik, start.ravel(), method="BFGS", options={"gtol": 1e-6})
    assert -direct.fun > marginal_loglik("gpcm", start, data) + 1e-3
    assert result.loglik == pytest.approx(-direct.fun, abs=1e-4)
    np.testing.assert_allclose(estimates(result), direct.x.reshape(start.shape), atol=5e-3)


def test_reference_vectors_parse_consistently() -> None:
    """Guards the transcription: fixed mirt entries sit where the layout says they do."""
    for ref_id, reference in REFS.items():
        items = parse_vector(reference)
        data = DATASETS[reference["dataset"]]()
        assert len(items) == data.n_items, ref_id
        trailing = reference["published_vector"][-len(reference["vector_layout"]["trailing"]) :]
        assert [v for v in trailing if v is not None] == [0, 1], ref_id  # MEAN_1 = 0, COV_11 = 1
        for item in items:
            if reference["model"] == "2pl":
                assert (item["g"], item["u"]) == (0, 1), ref_id
            if reference["model"] == "gpcm":
                assert [item[f"ak{k}"] for k in range(4)] == [0, 1, 2, 3], ref_id
                assert item["d0"] == 0, ref_id
