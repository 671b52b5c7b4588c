"""Marginal maximum likelihood calibration by the Bock–Aitkin EM algorithm.

Each item measures one dimension (between-item multidimensionality) and dimensions are
calibrated together in one run. The latent distribution of every dimension is fixed to N(0, 1),
which identifies the scale; the marginal likelihood then factorises over dimensions, so each
dimension's EM runs on its own items (exactly the unidimensional marginal likelihood of those
items) and converges on its own.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from scoring.calibration_summary import CalibrationSummary
from scoring.correlation import LatentCorrelation, estimate_latent_correlation
from scoring.data import ItemSpec, ResponseMatrix
from scoring.errors import ConvergenceWarning, ScoringError
from scoring.estep import (
    PatternData,
    Posterior,
    expected_counts,
    log_probability_table,
    posterior,
)
from scoring.models import ItemModel, Priors, get_model
from scoring.most_least import SequentialMostLeast
from scoring.parameters import ItemParameters, ModelParameters
from scoring.quadrature import Quadrature, normal_quadrature

FloatArray = NDArray[np.float64]
Progress = Callable[[str, int, float], None]
"""Called after each EM step with (dimension, iteration, log-likelihood)."""


@dataclass(frozen=True)
class CalibrationResult:
    """Immutable outcome of a calibration.

    Attributes
    ----------
    parameters : ModelParameters
        Item parameters with standard errors; ``to_dict()`` gives the model file.
    converged : bool
        Whether every dimension met the convergence criterion.
    n_iter : int
        EM iterations (E-steps) summed over dimensions.
    loglik : float
        Marginal log-likelihood at the estimates (priors excluded).
    n_params, n_candidates : int
    aic, bic : float
    marginal_reliability : dict
        Per dimension, ``1 - mean(posterior variance)`` under the N(0, 1) scale.
    latent_correlation : LatentCorrelation or None
        Correlations of the dimensions estimated with the item parameters fixed (also on
        ``parameters.latent_correlation``); None with one dimension or when not requested.
        ``loglik``, AIC and BIC are those of the item fits (dimensions independent).
    iterations : dict
        EM iterations per dimension.
    loglik_history : dict
        Log-likelihood after each EM step, per dimension.
    """

    parameters: ModelParameters
    converged: bool
    n_iter: int
    loglik: float
    n_params: int
    n_candidates: int
    marginal_reliability: dict[str, float]
    iterations: dict[str, int]
    loglik_history: dict[str, tuple[float, ...]] = field(repr=False)
    se_method: str = "none"
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    latent_correlation: LatentCorrelation | None = field(default=None, repr=False)

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        return -2.0 * self.loglik + np.log(self.n_candidates) * self.n_params

    @property
    def model(self) -> str:
        return self.parameters.model

    def to_dict(self) -> dict[str, Any]:
        """The model file: parameters plus fit statistics and estimation settings."""
        out = self.parameters.to_dict()
        out["fit"] = {
            "converged": self.converged,
            "n_iter": self.n_iter,
            "iterations": self.iterations,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_params": self.n_params,
            "n_candidates": self.n_candidates,
            "marginal_reliability": self.marginal_reliability,
            "se_method": self.se_method,
        }
        if self.latent_correlation is not None:
            out["fit"]["latent_correlation"] = self.latent_correlation.to_dict()
        out["estimation"] = self.settings
        return out

    def summary(self) -> CalibrationSummary:
        """The fit figures a person reads (``sjt calibrate`` and the psychometrics page)."""
        return CalibrationSummary(
            model=self.model,
            converged=self.converged,
            n_iter=self.n_iter,
            iterations=dict(self.iterations),
            loglik=self.loglik,
            n_params=self.n_params,
            n_candidates=self.n_candidates,
            aic=self.aic,
            bic=self.bic,
            marginal_reliability=dict(self.marginal_reliability),
        )


@dataclass
class _Group:
    """Mutable working state of one group of items (one dimension, one category count)."""

    columns: NDArray[np.int64]  # positions in the response matrix
    scores: FloatArray
    params: FloatArray
    prior_precision: FloatArray
    prior_mean: FloatArray
    row_slice: slice  # rows of the (ΣK, Q) table for this group
    model: ItemModel  # the item model of every item of the group

    @property
    def n_items(self) -> int:
        return int(self.columns.size)

    @property
    def n_categories(self) -> int:
        return int(self.scores.shape[1])


class MMLCalibrator:
    """Calibrate item parameters by marginal maximum likelihood (Bock–Aitkin EM).

    Parameters
    ----------
    model : {"nrm", "gpcm", "2pl", "grm"}
    n_quad : int
        Quadrature nodes, equally spaced on [-bound, bound] (default 61 on [-6, 6]).
    max_iter : int
        Maximum EM iterations per dimension.
    tol : float
        Converged when the largest parameter change of one EM step is below ``tol`` …
    loglik_tol : float
        … and the log-likelihood changed by less than ``loglik_tol`` (relative) in that step.
    priors : Priors, "default" or None
        Normal priors on slopes/intercepts (MAP-EM); "default" uses the model's defaults
        (weak priors for the nominal model, none otherwise).
    accelerate : bool
        Use SQUAREM extrapolation between EM steps.
    standard_errors : {"oakes", "none"}
        Item-parameter standard errors from the observed information, computed as the
        numerical derivative of the analytic observed-data score (Oakes' identity).
    precision : {"float32", "float64"}
        Floating point type of the large E-step matrix products.
    item_models : mapping, optional
        Item id → registry key of the model of items that differ from ``model`` (e.g. joint
        most/least items with ``"nrm_most_least"``, :mod:`scoring.most_least`).
    latent_correlation : bool
        After the item fits, estimate the correlations of the dimensions with the item
        parameters fixed (:func:`scoring.correlation.estimate_latent_correlation`).

    Notes
    -----
    E-step: posterior weights of each response pattern over the nodes ``θ_q`` give expected
    counts ``r_jkq``. M-step: for each item, Fisher scoring on
    ``Σ_q Σ_k r_jkq log P_jk(θ_q) + log prior``, vectorised over items. For the divide-by-total
    models the expected and observed information coincide, so this is Newton's method.
    SQUAREM (scheme S3) extrapolates along the EM path with a monotonicity safeguard.

    References
    ----------
    Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item
    parameters: Application of an EM algorithm. Psychometrika, 46, 443–459.
    Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating
    the convergence of any EM algorithm. Scandinavian Journal of Statistics, 35, 335–353.
    Oakes, D. (1999). Direct calculation of the information matrix via the EM algorithm.
    Journal of the Royal Statistical Society B, 61, 479–482.
    """

    def __init__(
        self,
        model: str = "gpcm",
        n_quad: int = 61,
        bound: float = 6.0,
        max_iter: int = 500,
        tol: float = 1e-4,
        loglik_tol: float = 1e-7,
        priors: Priors | Literal["default"] | None = "default",
        accelerate: bool = True,
        standard_errors: Literal["oakes", "none"] = "oakes",
        precision: Literal["float32", "float64"] = "float32",
        item_models: Mapping[str, str] | None = None,
        latent_correlation: bool = True,
    ) -> None:
        self.model = model
        self.n_quad = n_quad
        self.bound = bound
        self.max_iter = max_iter
        self.tol = tol
        self.loglik_tol = loglik_tol
        self.priors = priors
        self.accelerate = accelerate
        self.standard_errors = standard_errors
        self.precision = precision
        self.item_models = item_models
        self.latent_correlation = latent_correlation

    # ----------------------------------------------------------------------------- public
    def fit(
        self,
        data: ResponseMatrix,
        start: ModelParameters | None = None,
        progress: Progress | None = None,
    ) -> CalibrationResult:
        """Estimate item parameters from ``data``; returns an immutable result.

        ``start`` optionally gives starting values (for example the active model version).
        """
        item_model = get_model(self.model)
        priors = self._resolve_priors(item_model)
        models = self._item_models(data, item_model)
        self._validate(data, models)
        quad = normal_quadrature(self.n_quad, self.bound)
        dtype = np.float32 if self.precision == "float32" else np.float64
        params_by_column: dict[int, FloatArray] = {}
        se_by_column: dict[int, FloatArray] = {}
        reliability: dict[str, float] = {}
        iterations: dict[str, int] = {}
        history: dict[str, tuple[float, ...]] = {}
        converged_all = True
        total_loglik = 0.0
        for dimension in data.dimensions:
            columns = data.dimension_items(dimension)
            if columns.size == 0:
                continue
            groups = self._groups(data, columns, models, start)
            n_categories = np.concatenate(
                [np.full(g.n_items, g.n_categories) for g in groups]
            ).astype(np.int64)
            ordered = np.concatenate([g.columns for g in groups])
            patterns = PatternData.build(data.responses[:, ordered], n_categories, dtype)
            run = _DimensionEM(item_model, groups, patterns, quad, self, dimension, progress)
            converged, n_iter, loglik_path = run.run()
            if any(g.model.needs_orientation for g in groups):
                run.orient()
            post, loglik = run.final_posterior()
            converged_all &= converged
            iterations[dimension] = n_iter
            history[dimension] = tuple(loglik_path)
            total_loglik += loglik
            reliability[dimension] = run.marginal_reliability(post)
            ses = (
                run.standard_errors()
                if self.standard_errors == "oakes"
                else [np.full_like(g.params, np.nan) for g in groups]
            )
            for group, se in zip(groups, ses, strict=True):
                for row, column in enumerate(group.columns):
                    params_by_column[int(column)] = group.params[row]
                    se_by_column[int(column)] = se[row]
            if not converged:
                warnings.warn(
                    f"calibration of {dimension!r} did not converge in {self.max_iter} "
                    f"EM iterations (tolerance {self.tol}); results are flagged converged=False",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        items = tuple(
            ItemParameters(
                spec,
                tuple(float(v) for v in params_by_column[j]),
                tuple(float(v) for v in se_by_column[j])
                if self.standard_errors == "oakes"
                else None,
                None if models[j].name == item_model.name else models[j].name,
            )
            for j, spec in enumerate(data.items)
        )
        parameters = ModelParameters(item_model.name, data.dimensions, items)
        correlation = None
        if self.latent_correlation and len(data.dimensions) > 1:
            correlation = estimate_latent_correlation(parameters, data, self.n_quad, self.bound)
            parameters = dataclasses.replace(parameters, latent_correlation=correlation.rows())
        return CalibrationResult(
            parameters=parameters,
            converged=converged_all,
            n_iter=sum(iterations.values()),
            loglik=total_loglik,
            n_params=parameters.n_params,
            n_candidates=data.n_candidates,
            marginal_reliability=reliability,
            iterations=iterations,
            loglik_history=history,
            se_method=self.standard_errors,
            settings={
                "method": "MML-EM (Bock-Aitkin)" + (" + SQUAREM" if self.accelerate else ""),
                "n_quad": self.n_quad,
                "bound": self.bound,
                "tol": self.tol,
                "loglik_tol": self.loglik_tol,
                "max_iter": self.max_iter,
                "priors": None
                if not priors.active
                else {
                    "slope_mean": priors.slope_mean,
                    "slope_sd": priors.slope_sd,
                    "intercept_sd": priors.intercept_sd,
                },
                "latent_distribution": "N(0, 1) per dimension"
                + ("; correlations estimated with items fixed" if correlation else ""),
                "item_models": dict(sorted((self.item_models or {}).items())),
            },
            latent_correlation=correlation,
        )

    # ---------------------------------------------------------------------------- helpers
    def _resolve_priors(self, item_model: ItemModel) -> Priors:
        if self.priors == "default":
            return item_model.default_priors
        if self.priors is None:
            return Priors()
        if not isinstance(self.priors, Priors):
            raise ScoringError("priors must be a Priors value, 'default' or None")
        return self.priors

    def _item_models(self, data: ResponseMatrix, item_model: ItemModel) -> list[ItemModel]:
        """The model of every item (column) of ``data``."""
        chosen = dict(self.item_models or {})
        unknown = sorted(set(chosen) - set(data.item_ids))
        if unknown:
            raise ScoringError(f"item_models names items not in the data: {unknown[:5]}")
        return [get_model(chosen.get(spec.item_id, item_model.name)) for spec in data.items]

    def _validate(self, data: ResponseMatrix, models: list[ItemModel]) -> None:
        if self.n_quad < 5 or self.max_iter < 1 or self.tol <= 0:
            raise ScoringError("n_quad >= 5, max_iter >= 1 and tol > 0 are required")
        if data.n_candidates < 2:
            raise ScoringError("calibration needs responses from at least 2 candidates")
        for j, spec in enumerate(data.items):
            try:
                models[j].check_categories(spec.n_categories)
            except ScoringError as error:
                raise ScoringError(f"item {spec.item_id}: {error}") from None
            observed = data.responses[:, j]
            if not np.any(observed >= 0):
                raise ScoringError(f"item {spec.item_id} has no responses")

    def _groups(
        self,
        data: ResponseMatrix,
        columns: NDArray[np.int64],
        models: list[ItemModel],
        start: ModelParameters | None,
    ) -> list[_Group]:
        by_k: dict[tuple[str, int], list[int]] = {}
        for column in columns:
            key = (models[column].name, data.items[column].n_categories)
            by_k.setdefault(key, []).append(int(column))
        groups = []
        offset = 0
        start_lookup = {item.item_id: item for item in start} if start is not None else {}
        for (name, n_categories), members in sorted(by_k.items()):
            item_model = get_model(name)
            priors = self._resolve_priors(item_model)
            cols = np.array(members, dtype=np.int64)
            scores = np.array([data.items[c].scores for c in cols], dtype=float)
            params = item_model.start_values(scores)
            params = _empirical_start(item_model, params, data, cols)
            for row, column in enumerate(cols):
                previous = start_lookup.get(data.items[column].item_id)
                if previous is not None and len(previous.params) == params.shape[1]:
                    params[row] = previous.params
            precision, mean = priors.precision(item_model.slope_mask(n_categories))
            rows = len(cols) * n_categories
            groups.append(
                _Group(
                    columns=cols,
                    scores=scores,
                    params=params,
                    prior_precision=np.broadcast_to(precision, params.shape).copy(),
                    prior_mean=np.broadcast_to(mean, params.shape).copy(),
                    row_slice=slice(offset, offset + rows),
                    model=item_model,
                )
            )
            offset += rows
        return groups


def _empirical_start(
    item_model: ItemModel, params: FloatArray, data: ResponseMatrix, columns: NDArray[np.int64]
) -> FloatArray:
    """Set starting intercepts from the observed category proportions (logits vs category 0)."""
    if isinstance(item_model, SequentialMostLeast):
        k = data.items[int(columns[0])].n_categories
        cells = [data.responses[:, c] for c in columns]
        counts = np.stack([np.bincount(x[x >= 0], minlength=k) for x in cells]).astype(float)
        return item_model.empirical_start(params, counts)
    if item_model.form == "cumulative":
        out = params.copy()
        for row, column in enumerate(columns):
            observed = data.responses[:, column]
            observed = observed[observed >= 0]
            k = params.shape[1]
            counts = np.bincount(observed, minlength=k) + 0.5
            above = 1.0 - np.cumsum(counts)[:-1] / counts.sum()  # P(X >= k), k = 1..K-1
            out[row, 1:] = np.log(above / (1.0 - above))
        return out
    if item_model.name == "nrm":
        out = params.copy()
        k = (params.shape[1] // 2) + 1
        for row, column in enumerate(columns):
            observed = data.responses[:, column]
            counts = np.bincount(observed[observed >= 0], minlength=k) + 0.5
            out[row, k - 1 :] = np.log(counts[1:] / counts[0])
        return out
    out = params.copy()
    k = params.shape[1]
    for row, column in enumerate(columns):
        observed = data.responses[:, column]
        counts = np.bincount(observed[observed >= 0], minlength=k) + 0.5
        out[row, 1:] = np.log(counts[1:] / counts[0])
    return out


class _DimensionEM:
    """EM (optionally SQUAREM-accelerated) for the items of one dimension."""

    def __init__(
        self,
        item_model: ItemModel,
        groups: list[_Group],
        patterns: PatternData,
        quad: Quadrature,
        settings: MMLCalibrator,
        dimension: str,
        progress: Progress | None,
    ) -> None:
        self.model = item_model
        self.groups = groups
        self.patterns = patterns
        self.quad = quad
        self.settings = settings
        self.dimension = dimension
        self.progress = progress
        self.n_estep = 0
        self.loglik_path: list[float] = []

    # parameters as one flat vector, for SQUAREM and numerical derivatives
    def get_flat(self) -> FloatArray:
        return np.concatenate([g.params.ravel() for g in self.groups])

    def set_flat(self, flat: FloatArray) -> None:
        start = 0
        for g in self.groups:
            size = g.params.size
            g.params = flat[start : start + size].reshape(g.params.shape).copy()
            start += size

    def log_prior(self) -> float:
        total = 0.0
        for g in self.groups:
            total -= 0.5 * float(np.sum(g.prior_precision * (g.params - g.prior_mean) ** 2))
        return total

    def estep(self, data: PatternData | None = None) -> tuple[FloatArray, float, Posterior]:
        """Expected counts (ΣK, Q), marginal log-likelihood and posterior at current params."""
        data = data or self.patterns
        table = log_probability_table(
            [g.model for g in self.groups],
            [g.params for g in self.groups],
            [g.scores for g in self.groups],
            self.quad.points,
        )
        post = posterior(data, table, self.quad.log_weights)
        counts, loglik = expected_counts(data, post)
        return counts, loglik, post

    def mstep(self, counts: FloatArray, max_steps: int = 25) -> None:
        """Maximise the expected complete-data log posterior item by item (vectorised)."""
        theta = self.quad.points
        for g in self.groups:
            r = counts[g.row_slice].reshape(g.n_items, g.n_categories, theta.size)
            g.params = _fisher_scoring(g.model, g, r, theta, max_steps)

    def em_map(self, flat: FloatArray) -> tuple[FloatArray, float]:
        """One EM step from ``flat``; returns the new parameters and the log posterior at flat."""
        self.set_flat(flat)
        counts, loglik, _ = self.estep()
        objective = loglik + self.log_prior()
        self.n_estep += 1
        self.loglik_path.append(loglik)
        if self.progress is not None:
            self.progress(self.dimension, self.n_estep, loglik)
        self.mstep(counts)
        return self.get_flat(), objective

    def converged(self, before: FloatArray, after: FloatArray) -> bool:
        """Parameter change below ``tol`` and log-likelihood change below ``loglik_tol``."""
        if np.max(np.abs(after - before)) >= self.settings.tol:
            return False
        path = self.loglik_path
        if len(path) < 2:
            return True
        return abs(path[-1] - path[-2]) <= self.settings.loglik_tol * max(1.0, abs(path[-1]))

    def run(self) -> tuple[bool, int, list[float]]:
        """Iterate to convergence; returns (converged, n_iter, log-likelihood path)."""
        max_iter = self.settings.max_iter
        x = self.get_flat()
        step_max = 4.0
        while self.n_estep < max_iter:
            x1, _ = self.em_map(x)
            if not np.all(np.isfinite(x1)):
                raise ScoringError(f"{self.dimension}: EM produced non-finite parameters")
            if self.converged(x, x1):
                self.set_flat(x1)
                return True, self.n_estep, self.loglik_path
            if not self.settings.accelerate or self.n_estep + 2 > max_iter:
                x = x1
                continue
            x2, objective1 = self.em_map(x1)
            if self.converged(x1, x2):
                self.set_flat(x2)
                return True, self.n_estep, self.loglik_path
            r = x1 - x
            v = x2 - x1 - r
            alpha = -np.sqrt(np.dot(r, r) / max(np.dot(v, v), 1e-300))
            alpha = min(max(alpha, -step_max), -1.0)
            if alpha == -step_max:
                step_max *= 4.0
            if alpha == -1.0:
                x = x2
                continue
            x_prime = x - 2.0 * alpha * r + alpha**2 * v
            x3, objective_prime = self.em_map(x_prime)
            if np.isfinite(objective_prime) and objective_prime >= objective1 - 1e-8 * abs(
                objective1
            ):
                x = x3
            else:
                x = x2
                step_max = max(1.0, step_max / 4.0)
        self.set_flat(x)
        return False, self.n_estep, self.loglik_path

    def orient(self) -> None:
        """Reflect the solution if the expected score falls with theta on this dimension."""
        theta, weights = self.quad.points, self.quad.weights
        slope = 0.0
        for g in self.groups:
            prob = g.model.probabilities(g.params, g.scores, theta)
            expected = np.einsum("jkq,jk->jq", prob, g.scores)
            slope += float(np.sum(np.gradient(expected, theta, axis=1) * weights[None, :]))
        if slope < 0:
            for g in self.groups:
                g.params = g.model.reflect(g.params)
                g.prior_mean = g.model.reflect(g.prior_mean)

    def final_posterior(self) -> tuple[Posterior, float]:
        _, loglik, post = self.estep()
        return post, loglik

    def marginal_reliability(self, post: Posterior) -> float:
        """``1 - E[posterior variance]`` over candidates (the prior variance is 1)."""
        theta = self.quad.points
        weights = post.weights.astype(np.float64)
        mean = weights @ theta
        variance = weights @ theta**2 - mean**2
        average = float(np.dot(self.patterns.counts, variance) / self.patterns.counts.sum())
        return 1.0 - average

    def gradient(self, data: PatternData) -> FloatArray:
        """Analytic gradient of the observed log posterior (Fisher's identity)."""
        counts, _, _ = self.estep(data)
        theta = self.quad.points
        parts = []
        for g in self.groups:
            r = counts[g.row_slice].reshape(g.n_items, g.n_categories, theta.size)
            prob = g.model.probabilities(g.params, g.scores, theta)
            jac = g.model.jacobian(g.params, g.scores, theta)
            grad = np.einsum("jkq,jpkq->jp", r / np.maximum(prob, 1e-300), jac)
            grad -= g.prior_precision * (g.params - g.prior_mean)
            parts.append(grad.ravel())
        return np.concatenate(parts)

    def standard_errors(self) -> list[FloatArray]:
        """Standard errors from the observed information (numerical Jacobian of the score)."""
        data = self.patterns.as_dtype(np.float64)
        x = self.get_flat()
        n = x.size
        hessian = np.empty((n, n))
        for i in range(n):
            h = 1e-4 * max(1.0, abs(x[i]))
            up = x.copy()
            up[i] += h
            down = x.copy()
            down[i] -= h
            self.set_flat(up)
            g_up = self.gradient(data)
            self.set_flat(down)
            g_down = self.gradient(data)
            hessian[:, i] = (g_up - g_down) / (2 * h)
        self.set_flat(x)
        hessian = 0.5 * (hessian + hessian.T)
        try:
            covariance = np.linalg.inv(-hessian)
            variance = np.diag(covariance)
        except np.linalg.LinAlgError:
            variance = np.full(n, np.nan)
        se = np.sqrt(np.where(variance > 0, variance, np.nan))
        if np.any(~np.isfinite(se)):
            warnings.warn(
                f"{self.dimension}: information matrix is not positive definite; "
                "some standard errors are NaN",
                ConvergenceWarning,
                stacklevel=3,
            )
        out = []
        start = 0
        for g in self.groups:
            out.append(se[start : start + g.params.size].reshape(g.params.shape))
            start += g.params.size
        return out


def _fisher_scoring(
    model: ItemModel, group: _Group, counts: FloatArray, theta: FloatArray, max_steps: int
) -> FloatArray:
    """Fisher scoring with step halving for all items of a group at once.

    counts : (J, K, Q) expected counts. Returns the updated parameters (J, P).
    """
    params = group.params.copy()
    precision, mean = group.prior_precision, group.prior_mean
    n_at_node = counts.sum(axis=1)  # (J, Q)

    def objective(values: FloatArray) -> FloatArray:
        prob = model.probabilities(values, group.scores, theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(prob > 0, np.log(np.maximum(prob, 1e-300)), -np.inf)
        value = np.sum(counts * logp, axis=(1, 2))
        return value - 0.5 * np.sum(precision * (values - mean) ** 2, axis=1)

    current = objective(params)
    eye = np.eye(params.shape[1])
    active = np.ones(params.shape[0], dtype=bool)
    for _ in range(max_steps):
        prob = np.maximum(model.probabilities(params, group.scores, theta), 1e-300)
        jac = model.jacobian(params, group.scores, theta)
        grad = np.einsum("jkq,jpkq->jp", counts / prob, jac) - precision * (params - mean)
        scaled = jac / np.sqrt(prob)[:, None]
        info = np.einsum("jq,jpkq,jlkq->jpl", n_at_node, scaled, scaled)
        info += precision[:, :, None] * eye[None]
        info += 1e-10 * eye[None]
        step = np.linalg.solve(info, grad[..., None])[..., 0]
        step[~active] = 0.0
        factor = np.ones(params.shape[0])
        candidate = params + step
        value = objective(candidate)
        for _ in range(20):
            worse = active & ~(value >= current - 1e-12 * np.abs(current))
            if not worse.any():
                break
            factor[worse] *= 0.5
            candidate = params + factor[:, None] * step
            value = np.where(worse, objective(candidate), value)
        improved = value >= current - 1e-12 * np.abs(current)
        params = np.where(improved[:, None], candidate, params)
        current = np.where(improved, value, current)
        change = np.max(np.abs(factor[:, None] * step), axis=1)
        active &= change > 1e-7
        if not active.any():
            break
    return params


def calibrate_mml(data: ResponseMatrix, model: str = "gpcm", **options: Any) -> CalibrationResult:
    """Convenience wrapper: ``MMLCalibrator(model, **options).fit(data)``."""
    return MMLCalibrator(model, **options).fit(data)


__all__ = ["CalibrationResult", "ItemSpec", "MMLCalibrator", "calibrate_mml"]
