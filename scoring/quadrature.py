"""Fixed quadrature for integrating over a normal latent distribution.

``QuadratureGrid`` says where the nodes are (how many, on which interval); ``Quadrature`` is
the nodes with their normal density weights. ``DEFAULT_GRID``, 61 nodes on [-6, 6] (mirt's
default), is the grid of EAP scoring, the marginal likelihood, item fit, the EM calibration
and the latent correlation unless a caller chooses another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray
from scoring.errors import ScoringError


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


@dataclass(frozen=True)
class QuadratureGrid:
    """``n_points`` equally spaced nodes on ``[-bound, bound]`` (at least 5, bound > 0)."""

    n_points: int = 61
    bound: float = 6.0

    def __post_init__(self) -> None:
        if self.n_points < 5 or not self.bound > 0:
            raise ScoringError(
                f"a quadrature grid needs at least 5 nodes and a positive bound, got "
                f"{self.n_points} nodes on [-{self.bound}, {self.bound}]"
            )

    @property
    def nodes(self) -> FloatArray:
        """The nodes, shape (n_points,)."""
        return np.linspace(-self.bound, self.bound, self.n_points)

    def normal(self, mean: float = 0.0, sd: float = 1.0) -> Quadrature:
        """Rectangular quadrature on the grid for a N(mean, sd²) prior (Bock–Aitkin).

        References
        ----------
        Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item
        parameters: Application of an EM algorithm. Psychometrika, 46, 443–459.
        """
        points = self.nodes
        log_density = -0.5 * ((points - mean) / sd) ** 2
        weights = np.exp(log_density - log_density.max())
        return Quadrature(points=points, weights=weights / weights.sum())


DEFAULT_GRID = QuadratureGrid()
"""61 nodes on [-6, 6]: the grid of every marginal integral over θ unless chosen otherwise."""
