"""Fixed quadrature for integrating over a normal latent distribution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray


@dataclass(frozen=True)
class Quadrature:
    """Equally spaced nodes with normalised N(mean, sd²) density weights.

    Attributes
    ----------
    points : ndarray, shape (n_points,)
    weights : ndarray, shape (n_points,), summing to 1
    """

    points: FloatArray
    weights: FloatArray

    @property
    def log_weights(self) -> FloatArray:
        return np.log(self.weights)

    def __len__(self) -> int:
        return int(self.points.size)


def normal_quadrature(
    n_points: int = 61, bound: float = 6.0, mean: float = 0.0, sd: float = 1.0
) -> Quadrature:
    """Rectangular quadrature on [-bound, bound] for a normal prior (the Bock–Aitkin default).

    References
    ----------
    Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item
    parameters: Application of an EM algorithm. Psychometrika, 46, 443–459.
    """
    if n_points < 5:
        raise ValueError(f"n_points must be at least 5, got {n_points}")
    points = np.linspace(-bound, bound, n_points)
    log_density = -0.5 * ((points - mean) / sd) ** 2
    weights = np.exp(log_density - log_density.max())
    return Quadrature(points=points, weights=weights / weights.sum())
