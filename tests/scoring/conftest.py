"""Fixtures for the psychometric engine: small known models to simulate from."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scoring import ItemParameters, ItemSpec, ModelParameters, ResponseMatrix, get_model
from scoring.most_least import joint_item_spec, split_pairs
from tests.scoring.builders import option_spec, ordered_spec, simulate


def ordered_items(
    rng: np.random.Generator,
    n_items: int,
    dimension: str,
    prefix: str,
    intercepts: Callable[[float, np.ndarray], np.ndarray],
) -> list[ItemParameters]:
    """Items ``<prefix>-<j>`` with 4 ordered categories: slope a ~ U(0.7, 2.0), thresholds b
    sorted N(0, 1), parameters (a, *intercepts(a, b))."""
    items = []
    for j in range(n_items):
        a = rng.uniform(0.7, 2.0)
        b = np.sort(rng.normal(0.0, 1.0, 3))
        spec = ordered_spec(f"{prefix}-{j}", dimension, 4)
        items.append(ItemParameters(spec, (a, *intercepts(a, b))))
    return items


def gpcm_model(
    rng: np.random.Generator, n_items: int = 12, dimensions: tuple[str, ...] = ("d1",)
) -> ModelParameters:
    """GPCM items with 4 categories: slopes U(0.7, 2.0), thresholds sorted N(0, 1)."""
    items = [
        item
        for dimension in dimensions
        for item in ordered_items(rng, n_items, dimension, dimension, gpcm_intercepts)
    ]
    return ModelParameters("gpcm", dimensions, tuple(items))


def gpcm_intercepts(a: float, b: np.ndarray) -> np.ndarray:
    """GPCM intercepts of slope ``a`` and step thresholds ``b``: −a · cumsum(b)."""
    return -a * np.cumsum(b)


def graded_model(rng: np.random.Generator, n_items: int = 6) -> ModelParameters:
    """Graded-response items with 4 ordered categories (observed ≠ expected information)."""
    items = ordered_items(rng, n_items, "d1", "g", lambda a, b: -a * b)
    return ModelParameters("grm", ("d1",), tuple(items))


def data_from_other_items(
    rng: np.random.Generator, n_items: int, n_other: int, n_candidates: int
) -> tuple[ModelParameters, ResponseMatrix]:
    """A GPCM model of ``n_items`` items and responses simulated from another of ``n_other``:
    the mismatch every estimator must reject."""
    model = gpcm_model(rng, n_items=n_items)
    other = gpcm_model(rng, n_items=n_other)
    return model, simulate(other, n_candidates, rng)


def nominal_model(rng: np.random.Generator, n_items: int = 12) -> ModelParameters:
    """Nominal items with options A–D whose slopes rise with the SME credit (3, 2, 1, 0)."""
    items = []
    credits = (3.0, 1.0, 2.0, 0.0)
    for j in range(n_items):
        base = np.array(credits) * rng.uniform(0.4, 0.8) + rng.normal(0, 0.15, 4)
        slopes = base[1:] - base[0]
        intercepts = rng.normal(0.0, 0.6, 3)
        spec = option_spec(f"n-{j}", "d1", credits)
        items.append(ItemParameters(spec, (*slopes, *intercepts)))
    return ModelParameters("nrm", ("d1",), tuple(items))


def joint_model(
    rng: np.random.Generator,
    n_items: int = 12,
    name: str = "gpcm_most_least",
    dimensions: tuple[str, ...] = ("d1",),
) -> tuple[ModelParameters, tuple[ItemSpec, ...]]:
    """Joint most/least items (4 options, credits a permutation of 3, 2, 1, 0) and their parts.

    GPCM-type slopes U(0.4, 0.7) per credit for the most and the least pick (realistic SJT
    slopes), intercepts N(0, 0.6²); nominal-type slopes are those values times the credits plus
    N(0, 0.15²) noise. Returns the model and the part specs (``<id>.most``, ``<id>.least``) in
    item order.
    """
    item_model = get_model(name)
    items, parts = [], []
    for dimension in dimensions:
        for j in range(n_items):
            credits = rng.permutation([3.0, 2.0, 1.0, 0.0])
            most = ItemSpec(f"{dimension}-{j}.most", dimension, tuple("ABCD"), tuple(credits))
            least = ItemSpec(
                f"{dimension}-{j}.least", dimension, tuple("ABCD"), tuple(3.0 - credits)
            )
            spec = joint_item_spec(f"{dimension}-{j}", most, least)
            a, b = rng.uniform(0.4, 0.7, 2)
            alpha = a * credits + rng.normal(0, 0.15, 4)
            beta = b * (3.0 - credits) + rng.normal(0, 0.15, 4)
            gamma, delta = rng.normal(0.0, 0.6, 4), rng.normal(0.0, 0.6, 4)
            slopes = np.concatenate([alpha, beta])[None, :]
            intercepts = np.concatenate([gamma, delta])[None, :]
            if name.startswith("gpcm"):
                slopes = np.concatenate([a * credits, b * (3.0 - credits)])[None, :]
            if name.endswith("best_worst"):
                slopes = np.concatenate([slopes[0, :4], -slopes[0, :4]])[None, :]
                intercepts = np.concatenate([gamma, -gamma])[None, :]
            params = item_model.from_categories(slopes, intercepts, np.array([spec.scores]))[0]
            items.append(ItemParameters(spec, tuple(params), item_model=name))
            parts += [most, least]
    base = name.split("_")[0]
    return ModelParameters(base, dimensions, tuple(items)), tuple(parts)


def split_parts(data: ResponseMatrix, parts: tuple[ItemSpec, ...]) -> ResponseMatrix:
    """The two-part form (most, least columns) of joint responses (4 options per item)."""
    columns = []
    for j in range(data.n_items):
        most, least = split_pairs(data.responses[:, j], 4)
        columns += [most, least]
    return ResponseMatrix(np.stack(columns, axis=1), parts, data.dimensions)
