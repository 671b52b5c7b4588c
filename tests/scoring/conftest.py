"""Fixtures for the psychometric engine: small known models to simulate from."""

from __future__ import annotations

import numpy as np

from scoring import ItemParameters, ItemSpec, ModelParameters


def gpcm_model(
    rng: np.random.Generator, n_items: int = 12, dimensions: tuple[str, ...] = ("d1",)
) -> ModelParameters:
    """GPCM items with 4 categories: slopes U(0.7, 2.0), thresholds sorted N(0, 1)."""
    items = []
    for dimension in dimensions:
        for j in range(n_items):
            a = rng.uniform(0.7, 2.0)
            b = np.sort(rng.normal(0.0, 1.0, 3))
            spec = ItemSpec(f"{dimension}-{j}", dimension, (0, 1, 2, 3), (0.0, 1.0, 2.0, 3.0))
            items.append(ItemParameters(spec, (a, *(-a * np.cumsum(b)))))
    return ModelParameters("gpcm", dimensions, tuple(items))


def nominal_model(rng: np.random.Generator, n_items: int = 12) -> ModelParameters:
    """Nominal items with options A–D whose slopes rise with the SME credit (3, 2, 1, 0)."""
    items = []
    credits = (3.0, 1.0, 2.0, 0.0)
    for j in range(n_items):
        base = np.array(credits) * rng.uniform(0.4, 0.8) + rng.normal(0, 0.15, 4)
        slopes = base[1:] - base[0]
        intercepts = rng.normal(0.0, 0.6, 3)
        spec = ItemSpec(f"n-{j}", "d1", ("A", "B", "C", "D"), credits)
        items.append(ItemParameters(spec, (*slopes, *intercepts)))
    return ModelParameters("nrm", ("d1",), tuple(items))
