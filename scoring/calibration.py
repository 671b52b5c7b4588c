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

from scoring.arrays import FloatArray, IntArray
from scoring.calibration_summary import CalibrationSummary
from scoring.chunks import default_workers
from scoring.correlation import LatentCorrelation, estimate_latent_correlation
from scoring.criteria import InformationCriteria
from scoring.data import ItemSpec, ResponseMatrix
from scoring.diagnostics import (
    CalibrationProblem,
    DimensionReport,
    EMStep,
    check_constant_items,
    implausible_parameters,
    unused_category_problems,
)
from scoring.errors import ConvergenceWarning, ScoringError
from scoring.estep import (
    PatternData,
    Posterior,
    expected_counts,
    expected_counts_only,
    log_probability_table,
    posterior,
)
from scoring.information import GroupBlock, observed_information
from scoring.models import ItemModel, Priors, get_model
from scoring.most_least import SequentialMostLeast
from scoring.parameters import ItemParameters, ModelParameters
from scoring.priors import (
    NO_PRIOR_OPTIONS,
    GroupPrior,
    PriorOptions,
    build_prior,
    legacy_prior,
)
from scoring.quadrature import DEFAULT_GRID, Quadrature, QuadratureGrid

Progress = Callable[[EMStep], None]
"""Called after each EM step (and once when a dimension ends) with an ``EMStep``."""


@dataclass(frozen=True)
class CalibrationResult(InformationCriteria):
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
    se_method : str
        ``"louis"`` (analytic observed information), ``"oakes"`` (numerical Jacobian of the
        observed score) or ``"none"``.
    settings : dict
        Estimation settings as written to the model file.
    reports : tuple of DimensionReport
        Per dimension: converged, iterations, last parameter change and the item still moving.
    problems : tuple of CalibrationProblem
        Non-convergence and divergent estimates (fatal), never-chosen categories held by the
        prior and missing standard errors (warnings), each naming its dimension and item.
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
    reports: tuple[DimensionReport, ...] = ()
    problems: tuple[CalibrationProblem, ...] = ()

    @property
    def usable(self) -> bool:
        """Converged on every dimension and no divergent estimate."""
        return self.converged and not any(problem.fatal for problem in self.problems)

    @property
    def failed_dimensions(self) -> tuple[str, ...]:
        """Dimensions with a fatal problem, in calibration order."""
        failed = {problem.dimension for problem in self.problems if problem.fatal}
        return tuple(report.dimension for report in self.reports if report.dimension in failed)

    latent_correlation: LatentCorrelation | None = field(default=None, repr=False)

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
            "dimensions": [report.to_dict() for report in self.reports],
            "problems": [problem.to_dict() for problem in self.problems],
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

    columns: IntArray  # positions in the response matrix
    scores: FloatArray
    params: FloatArray
    prior: GroupPrior
    row_slice: slice  # rows of the (ΣK, Q) table for this group
    model: ItemModel  # the item model of every item of the group

    @property
    def n_items(self) -> int:
        return int(self.columns.size)

    @property
    def n_categories(self) -> int:
        return int(self.scores.shape[1])


@dataclass(frozen=True)
class MMLCalibrator:
    """Calibrate item parameters by marginal maximum likelihood (Bock–Aitkin EM).

    Parameters
    ----------
    model : {"nrm", "gpcm", "2pl", "grm"}
    grid : QuadratureGrid
        Quadrature nodes, equally spaced on [-bound, bound] (default 61 on [-6, 6]).
    max_iter : int
        Maximum EM iterations per dimension.
    tol : float
        Converged when the largest parameter change of one EM step is below ``tol`` …
    loglik_tol : float
        … and the log-likelihood changed by less than ``loglik_tol`` (relative) in that step.
    priors : PriorOptions, Priors, "default" or None
        ``"default"``: the weak default priors of :mod:`scoring.priors` (lognormal slopes,
        normal intercept contrasts; for the nominal model normal option-slope contrasts), so
        estimates are posterior modes (MAP-EM). ``None``: none, plain maximum likelihood (a
        never-chosen category is then refused). A ``PriorOptions`` value changes the default
        priors' settings; a ``Priors`` value gives independent normal priors on the raw
        parameters (the form used before the defaults existed).
    accelerate : bool
        Use SQUAREM extrapolation between EM steps.
    standard_errors : {"louis", "oakes", "none"}
        Item-parameter standard errors from the observed information of the log posterior:
        ``"louis"`` computes it analytically (Louis' identity, one E-step and a few matrix
        products, :mod:`scoring.information`); ``"oakes"`` as the numerical Jacobian of the
        analytic observed-data score (Oakes' identity; two E-steps per parameter, kept as a
        reference).
    precision : {"float32", "float64"}
        Floating point type of the large E-step matrix products.
    blas_threads : int or None
        BLAS threads during ``fit`` (default 1; ``None`` leaves the process setting alone).
        The EM's matrix products are tall and thin (patterns × ΣK times ΣK × nodes); a
        second thread gains little on them, and OpenBLAS threads that spin while waiting
        make a run many times slower when other processes compete for the cores, so one
        thread is the faster and the steadier choice.
    workers : int or None
        Threads over which each EM iteration's E-step is split, in blocks of response
        patterns (default: the usable cores, at most four; :mod:`scoring.chunks`). Each thread
        does its own part with one BLAS thread, so the cores work on different patterns
        instead of contending inside one matrix product; the estimates do not depend on it.
        With ``blas_threads=None`` it defaults to 1, leaving the parallelism to BLAS.
    item_models : mapping, optional
        Item id → registry key of the model of items that differ from ``model`` (e.g. joint
        most/least items with ``"nrm_most_least"``, :mod:`scoring.most_least`).
    latent_correlation : bool
        After the item fits, estimate the correlations of the dimensions with the item
        parameters fixed (:func:`scoring.correlation.estimate_latent_correlation`).
    correlation_sample : int
        The correlations are estimated from at most this many candidates (a fixed-seed
        random subsample of larger calibrations): the pairwise estimate costs a 2-D
        quadrature per pair and candidate, and at 10,000 candidates its standard error is
        already about .01, small beside the .06 the product needs; the SEs reported are those
        of the subsample.

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
    Mislevy, R. J. (1986). Bayes modal estimation in item response models. Psychometrika, 51,
    177–195.
    Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating
    the convergence of any EM algorithm. Scandinavian Journal of Statistics, 35, 335–353.
    Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm.
    Journal of the Royal Statistical Society B, 44, 226–233.
    Oakes, D. (1999). Direct calculation of the information matrix via the EM algorithm.
    Journal of the Royal Statistical Society B, 61, 479–482.
    """

    model: str = "gpcm"
    grid: QuadratureGrid = DEFAULT_GRID
    max_iter: int = 500
    tol: float = 1e-4
    loglik_tol: float = 1e-7
    priors: PriorOptions | Priors | Literal["default"] | None = "default"
    accelerate: bool = True
    standard_errors: Literal["louis", "oakes", "none"] = "louis"
    precision: Literal["float32", "float64"] = "float32"
    blas_threads: int | None = 1
    workers: int | None = None
    item_models: Mapping[str, str] | None = None
    latent_correlation: bool = True
    correlation_sample: int = 10_000

    # ----------------------------------------------------------------------------- public
    def fit(
        self,
        data: ResponseMatrix,
        start: ModelParameters | None = None,
        progress: Progress | None = None,
    ) -> CalibrationResult:
        """Estimate item parameters from ``data``; returns an immutable result.

        ``start`` optionally gives starting values (for example the active model version).
        ``progress`` is called with an :class:`~scoring.diagnostics.EMStep` after every EM
        step and once when each dimension is finished.
        """
        if self.blas_threads is None:
            return self._fit(data, start, progress)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.blas_threads, user_api="blas"):
            return self._fit(data, start, progress)

    def _fit(
        self,
        data: ResponseMatrix,
        start: ModelParameters | None,
        progress: Progress | None,
    ) -> CalibrationResult:
        item_model = get_model(self.model)
        models = self._item_models(data, item_model)
        self._validate(data, models)
        priors_active = self._priors_active()
        problems: list[CalibrationProblem] = unused_category_problems(data, priors_active, models)
        quad = self.grid.normal()
        dtype = np.float32 if self.precision == "float32" else np.float64
        params_by_column: dict[int, FloatArray] = {}
        se_by_column: dict[int, FloatArray] = {}
        reliability: dict[str, float] = {}
        iterations: dict[str, int] = {}
        history: dict[str, tuple[float, ...]] = {}
        reports: list[DimensionReport] = []
        converged_all = True
        total_loglik = 0.0
        dimensions = [d for d in data.dimensions if data.dimension_items(d).size]
        for index, dimension in enumerate(dimensions):
            columns = data.dimension_items(dimension)
            groups = self._groups(data, columns, models, start)
            n_categories = np.concatenate(
                [np.full(g.n_items, g.n_categories) for g in groups]
            ).astype(np.int64)
            ordered = np.concatenate([g.columns for g in groups])
            patterns = PatternData.build(data.responses[:, ordered], n_categories, dtype)
            run = _DimensionEM(
                item_model, groups, patterns, quad, self, dimension, progress,
                (index, len(dimensions)),
            )  # fmt: skip
            converged, n_iter, loglik_path = run.run()
            pinned = any(g.prior.lognormal_indices for g in groups)  # positive slopes
            if any(g.model.needs_orientation for g in groups) and not pinned:
                run.orient()
            post, loglik = run.final_posterior()
            converged_all &= converged
            iterations[dimension] = n_iter
            history[dimension] = tuple(loglik_path)
            total_loglik += loglik
            reliability[dimension] = run.marginal_reliability(post)
            report = run.report(data, converged)
            reports.append(report)
            if progress is not None:
                progress(run.step(loglik, report.max_change, finished=True, converged=converged))
            ses = self._standard_errors(run, post)
            for group, se in zip(groups, ses, strict=True):
                for row, column in enumerate(group.columns):
                    params_by_column[int(column)] = group.params[row]
                    se_by_column[int(column)] = se[row]
            problems += self._dimension_problems(data, groups, ses, report)
            if not converged:
                warnings.warn(
                    f"calibration of {dimension!r} did not converge in {self.max_iter} "
                    f"EM iterations (tolerance {self.tol}; last change {report.max_change:.2g}"
                    f" in item {report.moving_item}); results are flagged converged=False",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        with_se = self.standard_errors != "none"
        items = tuple(
            ItemParameters(
                spec,
                tuple(float(v) for v in params_by_column[j]),
                tuple(float(v) for v in se_by_column[j]) if with_se else None,
                None if models[j].name == item_model.name else models[j].name,
            )
            for j, spec in enumerate(data.items)
        )
        parameters = ModelParameters(item_model.name, data.dimensions, items)
        correlation = None
        if self.latent_correlation and len(data.dimensions) > 1:
            sample = data
            if data.n_candidates > self.correlation_sample:
                rows = np.random.default_rng(0).choice(
                    data.n_candidates, self.correlation_sample, replace=False
                )
                sample = data.subset(np.sort(rows))
            correlation = estimate_latent_correlation(parameters, sample, self.grid)
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
                "n_quad": self.grid.n_points,
                "bound": self.grid.bound,
                "tol": self.tol,
                "loglik_tol": self.loglik_tol,
                "max_iter": self.max_iter,
                "priors": self._describe_priors(item_model, models),
                "latent_distribution": "N(0, 1) per dimension"
                + ("; correlations estimated with items fixed" if correlation else ""),
                "item_models": dict(sorted((self.item_models or {}).items())),
            },
            reports=tuple(reports),
            problems=tuple(problems),
            latent_correlation=correlation,
        )

    # ---------------------------------------------------------------------------- helpers
    def estep_workers(self) -> int:
        """Threads of the E-step: ``workers``, else the usable cores unless BLAS has them."""
        if self.workers is not None:
            return self.workers
        return 1 if self.blas_threads is None else default_workers()

    def _prior_options(self) -> PriorOptions | Priors:
        if self.priors == "default":
            return PriorOptions()
        if self.priors is None:
            return NO_PRIOR_OPTIONS
        if not isinstance(self.priors, PriorOptions | Priors):
            raise ScoringError("priors must be PriorOptions, Priors, 'default' or None")
        return self.priors

    def _priors_active(self) -> bool:
        return self._prior_options().intercept_sd is not None

    def _describe_priors(
        self, item_model: ItemModel, models: list[ItemModel]
    ) -> dict[str, Any] | None:
        """The priors as written to the model file; with joint most/least items, also those
        of each other item model in use (under ``"item_models"``)."""
        options = self._prior_options()
        if isinstance(options, Priors):
            if not options.active:
                return None
            return {
                "kind": "independent normal priors on the parameters",
                "slope_mean": options.slope_mean,
                "slope_sd": options.slope_sd,
                "intercept_sd": options.intercept_sd,
            }
        if options == NO_PRIOR_OPTIONS:
            return None
        out = options.describe(item_model.name)
        others = sorted({m.name for m in models} - {item_model.name})
        if others:
            out["item_models"] = {name: options.describe(name) for name in others}
        return out

    def _prior(self, item_model: ItemModel, scores: FloatArray) -> GroupPrior:
        options = self._prior_options()
        if isinstance(options, Priors):
            return legacy_prior(item_model, options, scores)
        return build_prior(item_model, options, scores)

    def _item_models(self, data: ResponseMatrix, item_model: ItemModel) -> list[ItemModel]:
        """The model of every item (column) of ``data``."""
        chosen = dict(self.item_models or {})
        unknown = sorted(set(chosen) - set(data.item_ids))
        if unknown:
            raise ScoringError(f"item_models names items not in the data: {unknown[:5]}")
        return [get_model(chosen.get(spec.item_id, item_model.name)) for spec in data.items]

    def _validate(self, data: ResponseMatrix, models: list[ItemModel]) -> None:
        if self.max_iter < 1 or self.tol <= 0:
            raise ScoringError("max_iter >= 1 and tol > 0 are required")
        if self.standard_errors not in ("louis", "oakes", "none"):
            raise ScoringError("standard_errors must be 'louis', 'oakes' or 'none'")
        if self.workers is not None and self.workers < 1:
            raise ScoringError("workers must be at least 1")
        if self.correlation_sample < 100:
            raise ScoringError("correlation_sample must be at least 100 candidates")
        if data.n_candidates < 2:
            raise ScoringError("calibration needs responses from at least 2 candidates")
        empty = []
        for j, spec in enumerate(data.items):
            try:
                models[j].check_categories(spec.n_categories)
            except ScoringError as error:
                raise ScoringError(f"item {spec.item_id}: {error}") from None
            if not np.any(data.responses[:, j] >= 0):
                empty.append(spec.item_id)
        if empty:
            named = ", ".join(empty[:10]) + (", …" if len(empty) > 10 else "")
            verb = "item {} has" if len(empty) == 1 else "items {} have"
            raise ScoringError(
                verb.format(named) + " no responses; leave them out of the calibration "
                "(sjt calibrate leaves them out with a warning)"
            )
        check_constant_items(data)

    def _standard_errors(self, run: _DimensionEM, post: Posterior) -> list[FloatArray]:
        if self.standard_errors == "louis":
            return run.standard_errors_louis(post)
        if self.standard_errors == "oakes":
            return run.standard_errors()
        return [np.full_like(g.params, np.nan) for g in run.groups]

    def _dimension_problems(
        self,
        data: ResponseMatrix,
        groups: list[_Group],
        ses: list[FloatArray],
        report: DimensionReport,
    ) -> list[CalibrationProblem]:
        problems = []
        if not report.converged:
            problems.append(
                CalibrationProblem(
                    "not_converged",
                    report.dimension,
                    report.moving_item,
                    f"{report.dimension}: the EM did not converge in {report.n_iter} "
                    f"iterations (last parameter change {report.max_change:.2g}, largest in "
                    f"item {report.moving_item}); raise --max-iter or leave sparse items out",
                    fatal=True,
                )
            )
        for group, se in zip(groups, ses, strict=True):
            for row, column in enumerate(group.columns):
                spec = data.items[int(column)]
                problem = implausible_parameters(
                    group.model, spec.item_id, spec.dimension, group.params[row],
                    group.n_categories, se[row],
                )  # fmt: skip
                if problem is not None:
                    problems.append(problem)
                if self.standard_errors != "none" and not np.all(np.isfinite(se[row])):
                    problems.append(
                        CalibrationProblem(
                            "no_standard_error",
                            spec.dimension,
                            spec.item_id,
                            f"item {spec.item_id}: the information matrix is singular; its "
                            "standard errors are missing",
                            fatal=False,
                        )
                    )
        return problems

    def _groups(
        self,
        data: ResponseMatrix,
        columns: IntArray,
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
            cols = np.array(members, dtype=np.int64)
            scores = np.array([data.items[c].scores for c in cols], dtype=float)
            params = item_model.start_values(scores)
            params = _empirical_start(item_model, params, data, cols)
            for row, column in enumerate(cols):
                previous = start_lookup.get(data.items[column].item_id)
                if previous is not None and len(previous.params) == params.shape[1]:
                    params[row] = previous.params
            prior = self._prior(item_model, scores)
            for i in prior.lognormal_indices:  # the slopes must start inside the support
                params[:, i] = np.maximum(params[:, i], 0.1)
            rows = len(cols) * n_categories
            groups.append(
                _Group(
                    columns=cols,
                    scores=scores,
                    params=params,
                    prior=prior,
                    row_slice=slice(offset, offset + rows),
                    model=item_model,
                )
            )
            offset += rows
        return groups


def _empirical_start(
    item_model: ItemModel, params: FloatArray, data: ResponseMatrix, columns: IntArray
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
        position: tuple[int, int] = (0, 1),
    ) -> None:
        self.model = item_model
        self.groups = groups
        self.patterns = patterns
        self.quad = quad
        self.settings = settings
        self.dimension = dimension
        self.progress = progress
        self.position = position
        self.n_estep = 0
        self.loglik_path: list[float] = []
        self.last_change = np.full(sum(g.params.size for g in groups), np.nan)

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
        return float(sum(np.sum(g.prior.log_density(g.params)) for g in self.groups))

    def feasible(self, flat: FloatArray) -> bool:
        """Whether ``flat`` lies inside the prior's support (positive lognormal slopes)."""
        start = 0
        for g in self.groups:
            values = flat[start : start + g.params.size].reshape(g.params.shape)
            start += g.params.size
            if not np.all(np.isfinite(g.prior.log_density(values))):
                return False
        return bool(np.all(np.isfinite(flat)))

    def step(
        self, loglik: float, max_change: float, finished: bool = False, converged: bool = False
    ) -> EMStep:
        """The progress report of the current state."""
        index, total = self.position
        return EMStep(
            self.dimension, index, total, self.n_estep, loglik, max_change,
            self.settings.max_iter, finished, converged,
        )  # fmt: skip

    def report(self, data: ResponseMatrix, converged: bool) -> DimensionReport:
        """Outcome of the run: the last change and the item that moved most in it."""
        change = np.abs(self.last_change)
        moving: str | None = None
        largest = float("nan")
        if np.any(np.isfinite(change)):
            position = int(np.nanargmax(change))
            largest = float(change[position])
            start = 0
            for g in self.groups:
                if position < start + g.params.size:
                    row = (position - start) // g.params.shape[1]
                    moving = data.items[int(g.columns[row])].item_id
                    break
                start += g.params.size
        return DimensionReport(self.dimension, converged, self.n_estep, largest, moving)

    def log_table(self) -> FloatArray:
        """log P(category | node) of every category of the dimension's items, (ΣK, Q)."""
        return log_probability_table(
            [g.model for g in self.groups],
            [g.params for g in self.groups],
            [g.scores for g in self.groups],
            self.quad.points,
        )

    def estep(self, data: PatternData | None = None) -> tuple[FloatArray, float, Posterior]:
        """Expected counts (ΣK, Q), marginal log-likelihood and posterior at current params."""
        data = data or self.patterns
        post = posterior(data, self.log_table(), self.quad.log_weights)
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
        counts, loglik = expected_counts_only(
            self.patterns, self.log_table(), self.quad.log_weights, self.settings.estep_workers()
        )
        objective = loglik + self.log_prior()
        self.n_estep += 1
        self.loglik_path.append(loglik)
        self.mstep(counts)
        after = self.get_flat()
        self.last_change = after - flat
        if self.progress is not None:
            change = float(np.max(np.abs(self.last_change), initial=0.0))
            self.progress(self.step(loglik, change))
        return after, objective

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
            if not self.feasible(x_prime):
                x = x2
                step_max = max(1.0, step_max / 4.0)
                continue
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
                g.prior = g.prior.reflected(g.model)

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
            grad += g.prior.gradient(g.params)
            parts.append(grad.ravel())
        return np.concatenate(parts)

    def standard_errors_louis(self, post: Posterior | None = None) -> list[FloatArray]:
        """Standard errors from the analytic observed information (Louis' identity) plus the
        prior's curvature; see :mod:`scoring.information`. ``post`` is the posterior at the
        current parameters when the caller has it."""
        data = self.patterns
        if post is None:
            _, _, post = self.estep(data)
        responses = data.responses
        blocks = []
        start = 0
        for g in self.groups:
            blocks.append(GroupBlock(g.params, g.scores, responses[:, start : start + g.n_items]))
            start += g.n_items
        information = observed_information(
            [g.model for g in self.groups], blocks, post.weights, data.counts, self.quad.points
        )
        start = 0
        for g in self.groups:
            curvature = g.prior.curvature(g.params, exact=True)
            n_params = g.params.shape[1]
            for row in range(g.n_items):
                cols = slice(start + row * n_params, start + (row + 1) * n_params)
                information[cols, cols] += curvature[row]
            start += g.params.size
        return self._split(_standard_errors_from(information, self.dimension))

    def _split(self, se: FloatArray) -> list[FloatArray]:
        out = []
        start = 0
        for g in self.groups:
            out.append(se[start : start + g.params.size].reshape(g.params.shape))
            start += g.params.size
        return out

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
        return self._split(_standard_errors_from(-hessian, self.dimension))


def _standard_errors_from(information: FloatArray, dimension: str) -> FloatArray:
    """Square roots of the diagonal of the inverse information; NaN where not defined."""
    information = 0.5 * (information + information.T)
    n = information.shape[0]
    try:
        variance = np.diag(np.linalg.inv(information))
    except np.linalg.LinAlgError:
        variance = np.full(n, np.nan)
    se = np.sqrt(np.where(variance > 0, variance, np.nan))
    if np.any(~np.isfinite(se)):
        warnings.warn(
            f"{dimension}: information matrix is not positive definite; "
            "some standard errors are NaN",
            ConvergenceWarning,
            stacklevel=4,
        )
    return se


def _fisher_scoring(
    model: ItemModel, group: _Group, counts: FloatArray, theta: FloatArray, max_steps: int
) -> FloatArray:
    """Fisher scoring with step halving for all items of a group at once.

    counts : (J, K, Q) expected counts. Returns the updated parameters (J, P).
    """
    params = group.params.copy()
    prior = group.prior
    n_at_node = counts.sum(axis=1)  # (J, Q)

    def objective(values: FloatArray) -> FloatArray:
        prob = model.probabilities(values, group.scores, theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(prob > 0, np.log(np.maximum(prob, 1e-300)), -np.inf)
        value = np.sum(counts * logp, axis=(1, 2))
        return value + prior.log_density(values)

    current = objective(params)
    eye = np.eye(params.shape[1])
    active = np.ones(params.shape[0], dtype=bool)
    for _ in range(max_steps):
        prob = np.maximum(model.probabilities(params, group.scores, theta), 1e-300)
        jac = model.jacobian(params, group.scores, theta)
        grad = np.einsum("jkq,jpkq->jp", counts / prob, jac) + prior.gradient(params)
        scaled = jac / np.sqrt(prob)[:, None]
        info = np.einsum("jq,jpkq,jlkq->jpl", n_at_node, scaled, scaled)
        info += prior.curvature(params)
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
