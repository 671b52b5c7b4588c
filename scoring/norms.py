"""Norm tables: T-scores and percentiles of trait estimates relative to a norm group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.arrays import FloatArray
from scoring.errors import ScoringError

PERCENTILE_POINTS = np.linspace(0.0, 100.0, 201)


@dataclass(frozen=True, eq=False)
class NormTable:
    """The distribution of theta estimates in a norm group, for one dimension.

    Attributes
    ----------
    group : str
        Name of the norm group (e.g. "calibration sample 2026-11").
    n : int
        Size of the norm group.
    mean, sd : float
        Mean and SD of the group's estimates; T = 50 + 10 (theta - mean) / sd.
    quantiles : ndarray, shape (201,)
        Estimates at percentiles 0, 0.5, ..., 100; percentile ranks interpolate them.
    names : mapping of language → str
        The group's name in report languages (e.g. ``{"zh": "校准样本"}``); ``group`` is
        the name in any language not given here.
    """

    group: str
    n: int
    mean: float
    sd: float
    quantiles: FloatArray
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, language: str) -> str:
        """The group's name in ``language`` (``group`` when it has none in that language)."""
        return self.names.get(language) or self.group

    @classmethod
    def from_estimates(
        cls, theta: FloatArray, group: str, names: Mapping[str, str] | None = None
    ) -> NormTable:
        """Build a norm table from the estimates of a norm group (NaNs ignored)."""
        values = np.asarray(theta, dtype=float)
        values = values[np.isfinite(values)]
        if values.size < 2:
            raise ScoringError(f"norm group {group!r} needs at least 2 estimates")
        sd = float(values.std(ddof=1))
        if sd <= 0:
            raise ScoringError(f"norm group {group!r} has no spread in its estimates")
        return cls(
            group,
            int(values.size),
            float(values.mean()),
            sd,
            np.percentile(values, PERCENTILE_POINTS),
            dict(names or {}),
        )

    def linked(self, slope: float, intercept: float) -> NormTable:
        """The same norm group on the scale ``θ* = slope · θ + intercept`` (slope > 0).

        A linear change of scale moves every quantile, the mean and the SD with it, so each
        person keeps the T-score and percentile they had: the norm group is not re-estimated.
        """
        if not slope > 0:
            raise ScoringError(f"a linking slope must be positive, got {slope}")
        return NormTable(
            self.group, self.n, slope * self.mean + intercept, slope * self.sd,
            slope * self.quantiles + intercept, dict(self.names),
        )  # fmt: skip

    def t_score(self, theta: FloatArray | float) -> FloatArray:
        """T-scores (mean 50, SD 10 in the norm group)."""
        return 50.0 + 10.0 * (np.asarray(theta, dtype=float) - self.mean) / self.sd

    def t_se(self, se: FloatArray | float) -> FloatArray:
        """Standard errors on the T-score scale."""
        return 10.0 * np.asarray(se, dtype=float) / self.sd

    def percentile(self, theta: FloatArray | float) -> FloatArray:
        """Percentile rank (0–100) by interpolation in the norm group's quantiles."""
        q = self.quantiles
        # np.interp needs increasing x; ties in quantiles are harmless for interpolation.
        return np.interp(np.asarray(theta, dtype=float), q, PERCENTILE_POINTS)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "group": self.group,
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
            "percentiles": PERCENTILE_POINTS.tolist(),
            "quantiles": [float(v) for v in self.quantiles],
        }
        if self.names:
            data["group_names"] = dict(self.names)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NormTable:
        try:
            quantiles = np.asarray(data["quantiles"], dtype=float)
            names = data.get("group_names") or {}
            table = cls(
                str(data["group"]),
                int(data["n"]),
                float(data["mean"]),
                float(data["sd"]),
                quantiles,
                {str(language): str(name) for language, name in dict(names).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ScoringError(f"norm table is malformed: {error}") from None
        if quantiles.shape != PERCENTILE_POINTS.shape or np.any(np.diff(quantiles) < 0):
            raise ScoringError("norm table quantiles must be 201 non-decreasing values")
        if table.sd <= 0:
            raise ScoringError("norm table sd must be positive")
        return table
