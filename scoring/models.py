"""Item response models: one class per model, all answering the same questions.

Every model takes, for a group of ``J`` items with ``K`` categories each,

* ``params`` — array of shape (J, P), the free parameters of each item;
* ``scores`` — array of shape (J, K), the scoring function of the categories (higher = better:
  SME credits for bank options, ``0..K-1`` for integer codes);
* ``theta`` — array of shape (Q,), latent trait values;

and returns category probabilities (J, K, Q), their derivatives with respect to the parameters
(J, P, K, Q) and to theta (J, K, Q), and item information (J, Q). Calibration, scoring, fit and
simulation are written once against this interface.

The divide-by-total models (nominal, generalized partial credit, 2PL) are linear in their
parameters on the logit scale: the category slopes are ``S @ params`` and the intercepts
``C @ params`` for a fixed design (S, C) per item. The probability of category k is then
``exp(slope_k θ + intercept_k) / Σ_m exp(slope_m θ + intercept_m)``, which is exactly the form
of the model file. The graded response model is the cumulative exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from scoring.arrays import BoolArray, FloatArray
from scoring.errors import ScoringError

Form = Literal["divide_by_total", "cumulative", "sequential"]


@dataclass(frozen=True)
class Priors:
    """Independent normal priors on slope-type and intercept-type parameters.

    ``None`` for a standard deviation means no prior on that kind of parameter.
    """

    slope_mean: float = 0.0
    slope_sd: float | None = None
    intercept_sd: float | None = None

    @property
    def active(self) -> bool:
        return self.slope_sd is not None or self.intercept_sd is not None

    def precision(self, slope_mask: BoolArray) -> tuple[FloatArray, FloatArray]:
        """Prior precision (P,) and mean (P,) for a parameter vector with ``slope_mask``."""
        slope_precision = 0.0 if self.slope_sd is None else 1.0 / self.slope_sd**2
        intercept_precision = 0.0 if self.intercept_sd is None else 1.0 / self.intercept_sd**2
        precision = np.where(slope_mask, slope_precision, intercept_precision)
        mean = np.where(slope_mask, self.slope_mean, 0.0)
        return precision, mean


NO_PRIORS = Priors()


class ItemModel(ABC):
    """Interface and shared code of all item models."""

    name: ClassVar[str]
    label: ClassVar[str] = ""
    """What the model is, in a few words for people choosing one (CLI help, the workbench)."""
    form: ClassVar[Form] = "divide_by_total"
    default_priors: ClassVar[Priors] = NO_PRIORS
    needs_orientation: ClassVar[bool] = False
    """Whether calibration must orient the solution by the category scores (free slopes)."""
    ordered_categories: ClassVar[bool] = False
    """Whether an item's categories must be listed in increasing order of merit."""

    @abstractmethod
    def n_params(self, n_categories: int) -> int:
        """Number of free parameters of an item with ``n_categories`` categories."""
        ...

    @abstractmethod
    def slope_mask(self, n_categories: int) -> BoolArray:
        """Which parameters are slope-type (for priors and orientation)."""
        ...

    def check_categories(self, n_categories: int) -> None:
        """Raise ``ScoringError`` when the model cannot have ``n_categories`` categories."""
        if n_categories < 2:
            raise ScoringError(f"{self.name}: an item needs at least 2 categories")

    @abstractmethod
    def probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        """Category probabilities, shape (J, K, Q)."""
        ...

    def log_probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        """log P of each category, shape (J, K, Q); floored at log(1e-300)."""
        return np.log(np.maximum(self.probabilities(params, scores, theta), 1e-300))

    @abstractmethod
    def jacobian(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        """Derivatives of the probabilities with respect to the parameters, (J, P, K, Q)."""
        ...

    @abstractmethod
    def theta_derivative(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        """Derivatives of the probabilities with respect to theta, (J, K, Q)."""
        ...

    def information(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        """Fisher information of each item at each theta, (J, Q): Σ_k P_k'² / P_k."""
        prob = self.probabilities(params, scores, theta)
        deriv = self.theta_derivative(params, scores, theta)
        return np.sum(deriv**2 / np.maximum(prob, 1e-300), axis=1)

    @abstractmethod
    def start_values(self, scores: FloatArray) -> FloatArray:
        """Starting parameters (J, P) oriented so that the expected score rises with theta."""
        ...

    @abstractmethod
    def to_categories(
        self, params: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Category slopes and intercepts (J, K) as written to the model file."""
        ...

    @abstractmethod
    def from_categories(
        self, slopes: FloatArray, intercepts: FloatArray, scores: FloatArray
    ) -> FloatArray:
        """Parameters (J, P) from the model file's category slopes and intercepts."""
        ...

    @abstractmethod
    def reflect(self, params: FloatArray) -> FloatArray:
        """Parameters of the mirror-image solution (theta → -theta)."""


class DivideByTotalModel(ItemModel):
    """Models of the form P_k ∝ exp(slope_k θ + intercept_k), linear in their parameters."""

    @abstractmethod
    def design(self, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Design arrays S and C, each (J, K, P): slopes = S @ params, intercepts = C @ params."""
        ...

    def to_categories(
        self, params: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        S, C = self.design(scores)
        return np.einsum("jkp,jp->jk", S, params), np.einsum("jkp,jp->jk", C, params)

    def from_categories(
        self, slopes: FloatArray, intercepts: FloatArray, scores: FloatArray
    ) -> FloatArray:
        """Least-squares inverse of the design; exact when the file came from this model."""
        S, C = self.design(scores)
        n_items, _n_categories, n_params = S.shape
        # Probabilities are invariant to adding a constant to all slopes (or all intercepts)
        # of an item, so the file's values are taken relative to category 0.
        slopes = slopes - slopes[:, :1]
        intercepts = intercepts - intercepts[:, :1]
        design = np.concatenate([S - S[:, :1], C - C[:, :1]], axis=1)
        target = np.concatenate([slopes, intercepts], axis=1)
        params = np.empty((n_items, n_params))
        for j in range(n_items):
            solution, *_ = np.linalg.lstsq(design[j], target[j], rcond=None)
            if not np.allclose(design[j] @ solution, target[j], atol=1e-6):
                raise ScoringError(
                    f"{self.name}: category slopes {np.round(slopes[j], 4).tolist()} cannot be "
                    "expressed by this model (for gpcm/2pl they must be proportional to the "
                    "category scores)"
                )
            params[j] = solution
        return params

    def logits(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        """η_k(θ) = slope_k θ + intercept_k, shape (J, K, Q)."""
        slopes, intercepts = self.to_categories(params, scores)
        return slopes[:, :, None] * theta[None, None, :] + intercepts[:, :, None]

    def probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        eta = self.logits(params, scores, theta)
        eta -= eta.max(axis=1, keepdims=True)
        prob = np.exp(eta)
        return prob / prob.sum(axis=1, keepdims=True)

    def jacobian(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        # dP_k/dη_m = P_k (δ_km − P_m); dη_m/dφ_p = θ S_mp + C_mp.
        S, C = self.design(scores)
        prob = self.probabilities(params, scores, theta)  # (J, K, Q)
        deta = S[:, :, :, None] * theta[None, None, None, :] + C[:, :, :, None]  # (J, M, P, Q)
        mean_deta = np.einsum("jmq,jmpq->jpq", prob, deta)  # Σ_m P_m dη_m
        return prob[:, None, :, :] * (np.moveaxis(deta, 2, 1) - mean_deta[:, :, None, :])

    def theta_derivative(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        slopes, _ = self.to_categories(params, scores)
        prob = self.probabilities(params, scores, theta)
        mean_slope = np.einsum("jkq,jk->jq", prob, slopes)
        return prob * (slopes[:, :, None] - mean_slope[:, None, :])

    def reflect(self, params: FloatArray) -> FloatArray:
        mask = self.slope_mask(self._categories_from_params(params.shape[1]))
        return np.where(mask, -params, params)

    @abstractmethod
    def _categories_from_params(self, n_params: int) -> int: ...


class NominalResponse(DivideByTotalModel):
    """Bock's nominal response model: free slope and intercept for every option.

    Parameters per item: ``(s_1..s_{K-1}, c_1..c_{K-1})`` with ``s_0 = c_0 = 0`` fixing the
    location of each item's logits. Option-level slopes are the SJT's empirical option weights.

    References
    ----------
    Bock, R. D. (1972). Estimating item parameters and latent ability when responses are scored
    in two or more nominal categories. Psychometrika, 37, 29–51.
    """

    name: ClassVar[str] = "nrm"
    label: ClassVar[str] = "Nominal response (free option weights)"
    default_priors: ClassVar[Priors] = Priors(slope_sd=2.0, intercept_sd=4.0)
    needs_orientation: ClassVar[bool] = True

    def n_params(self, n_categories: int) -> int:
        return 2 * (n_categories - 1)

    def _categories_from_params(self, n_params: int) -> int:
        return n_params // 2 + 1

    def slope_mask(self, n_categories: int) -> BoolArray:
        return np.arange(self.n_params(n_categories)) < n_categories - 1

    def design(self, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
        n_items, n_categories = scores.shape
        n_params = self.n_params(n_categories)
        S = np.zeros((n_items, n_categories, n_params))
        C = np.zeros((n_items, n_categories, n_params))
        for k in range(1, n_categories):
            S[:, k, k - 1] = 1.0
            C[:, k, n_categories - 1 + k - 1] = 1.0
        return S, C

    def start_values(self, scores: FloatArray) -> FloatArray:
        centred = scores - scores.mean(axis=1, keepdims=True)
        spread = np.maximum(np.ptp(scores, axis=1, keepdims=True), 1e-9)
        slopes = 1.5 * centred / spread
        slopes = slopes - slopes[:, :1]
        intercepts = np.zeros_like(scores)
        return np.concatenate([slopes[:, 1:], intercepts[:, 1:]], axis=1)


class GeneralizedPartialCredit(DivideByTotalModel):
    """Muraki's generalized partial credit model with a fixed scoring function.

    ``slope_k = a · score_k``; intercepts free with ``c_0 = 0``. Parameters per item:
    ``(a, c_1..c_{K-1})``. With scores ``0..K-1`` this is Muraki's GPCM (intercepts are
    ``-a Σ_{v≤k} b_v``); with SME credits as scores (ties allowed) it is the nominal model with
    a fixed scoring function, so each option keeps its own intercept.

    References
    ----------
    Muraki, E. (1992). A generalized partial credit model: Application of an EM algorithm.
    Applied Psychological Measurement, 16, 159–176.
    Thissen, D., Cai, L., & Bock, R. D. (2010). The nominal categories item response model.
    In Handbook of Polytomous Item Response Theory Models (pp. 43–75). Routledge.
    """

    name: ClassVar[str] = "gpcm"
    label: ClassVar[str] = "Generalized partial credit (SME credits as scores)"

    def n_params(self, n_categories: int) -> int:
        return n_categories

    def _categories_from_params(self, n_params: int) -> int:
        return n_params

    def slope_mask(self, n_categories: int) -> BoolArray:
        return np.arange(self.n_params(n_categories)) == 0

    def design(self, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
        n_items, n_categories = scores.shape
        S = np.zeros((n_items, n_categories, n_categories))
        C = np.zeros((n_items, n_categories, n_categories))
        S[:, :, 0] = scores - scores[:, :1]
        for k in range(1, n_categories):
            C[:, k, k] = 1.0
        return S, C

    def start_values(self, scores: FloatArray) -> FloatArray:
        spread = np.maximum(np.ptp(scores, axis=1), 1e-9)
        params = np.zeros(scores.shape)
        params[:, 0] = 3.0 / spread  # a · range of scores ≈ 3 logits across the categories
        return params


class TwoParameterLogistic(GeneralizedPartialCredit):
    """Birnbaum's 2PL for dichotomous items: ``P(1) = 1 / (1 + exp(-(a θ + d)))``.

    The two-category case of the GPCM; parameters ``(a, d)`` in slope–intercept form.

    References
    ----------
    Birnbaum, A. (1968). Some latent trait models. In Lord & Novick, Statistical Theories of
    Mental Test Scores. Addison-Wesley.
    """

    name: ClassVar[str] = "2pl"
    label: ClassVar[str] = "Two-parameter logistic (two categories)"

    def check_categories(self, n_categories: int) -> None:
        if n_categories != 2:
            raise ScoringError(f"2pl: items must have exactly 2 categories, got {n_categories}")


class GradedResponse(ItemModel):
    """Samejima's graded response model in slope–intercept form.

    ``P(X ≥ k) = 1 / (1 + exp(-(a θ + d_k)))`` for k = 1..K-1 with ``d_1 > d_2 > …``;
    ``P(X = k) = P(X ≥ k) - P(X ≥ k+1)``. Parameters per item: ``(a, d_1..d_{K-1})``.
    Categories are taken in the order of their scores.

    References
    ----------
    Samejima, F. (1969). Estimation of latent ability using a response pattern of graded
    scores. Psychometrika Monograph Supplement, 34(4, Pt. 2).
    """

    name: ClassVar[str] = "grm"
    label: ClassVar[str] = "Graded response (categories in order of merit)"
    form: ClassVar[Form] = "cumulative"
    ordered_categories: ClassVar[bool] = True

    def n_params(self, n_categories: int) -> int:
        return n_categories

    def slope_mask(self, n_categories: int) -> BoolArray:
        return np.arange(self.n_params(n_categories)) == 0

    def _cumulative(self, params: FloatArray, theta: FloatArray) -> FloatArray:
        """P(X ≥ k) for k = 0..K, shape (J, K+1, Q), with P(X ≥ 0) = 1 and P(X ≥ K) = 0."""
        a, d = params[:, :1], params[:, 1:]
        z = a[:, :, None] * theta[None, None, :] + d[:, :, None]
        inner = 1.0 / (1.0 + np.exp(-z))
        n_items, n_q = params.shape[0], theta.size
        return np.concatenate([np.ones((n_items, 1, n_q)), inner, np.zeros((n_items, 1, n_q))], 1)

    def probabilities(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        star = self._cumulative(params, theta)
        return np.maximum(star[:, :-1] - star[:, 1:], 1e-300)

    def jacobian(self, params: FloatArray, scores: FloatArray, theta: FloatArray) -> FloatArray:
        star = self._cumulative(params, theta)
        w = star * (1.0 - star)  # derivative of the logistic, zero at the fixed ends
        n_items, n_params = params.shape
        n_categories = n_params
        # d star_k / da = θ w_k ; d star_k / d d_k = w_k (k = 1..K-1)
        dstar = np.zeros((n_items, n_params, n_categories + 1, theta.size))
        dstar[:, 0] = w * theta[None, None, :]
        for k in range(1, n_categories):
            dstar[:, k, k] = w[:, k]
        return dstar[:, :, :-1] - dstar[:, :, 1:]

    def theta_derivative(
        self, params: FloatArray, scores: FloatArray, theta: FloatArray
    ) -> FloatArray:
        star = self._cumulative(params, theta)
        dstar = params[:, :1, None] * star * (1.0 - star)
        return dstar[:, :-1] - dstar[:, 1:]

    def start_values(self, scores: FloatArray) -> FloatArray:
        n_items, n_categories = scores.shape
        params = np.zeros((n_items, n_categories))
        params[:, 0] = 1.0
        params[:, 1:] = np.linspace(1.5, -1.5, n_categories - 1)[None, :]
        return params

    def to_categories(
        self, params: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Shared slope for every category; intercept of boundary k (NaN for category 0)."""
        slopes = np.repeat(params[:, :1], params.shape[1], axis=1)
        intercepts = np.concatenate([np.full((params.shape[0], 1), np.nan), params[:, 1:]], 1)
        return slopes, intercepts

    def from_categories(
        self, slopes: FloatArray, intercepts: FloatArray, scores: FloatArray
    ) -> FloatArray:
        if not np.allclose(slopes, slopes[:, :1]):
            raise ScoringError("grm: all categories of an item must share one slope")
        d = intercepts[:, 1:]
        if np.any(np.diff(d, axis=1) >= 0):
            raise ScoringError("grm: boundary intercepts must decrease from category 1 upwards")
        return np.concatenate([slopes[:, :1], d], axis=1)

    def reflect(self, params: FloatArray) -> FloatArray:
        return np.concatenate([-params[:, :1], params[:, 1:]], axis=1)


# The joint most/least models build on the classes above, so they are imported here, after
# those classes exist (scoring.most_least imports this module).
from scoring.most_least import JOINT_MODELS  # noqa: E402

MODELS: dict[str, ItemModel] = {
    **{
        model.name: model
        for model in (
            NominalResponse(),
            GeneralizedPartialCredit(),
            TwoParameterLogistic(),
            GradedResponse(),
        )
    },
    **JOINT_MODELS,
}
"""Registry of item models by their key in the model file (``"model"``, or an item's
``"item_model"``) and on the command line."""

BASE_MODELS: tuple[str, ...] = tuple(name for name in MODELS if name not in JOINT_MODELS)
"""Keys of the models a whole response file is calibrated with (``sjt calibrate --model``), in
registry order; the joint most/least models are chosen per item on top of one of them."""


def get_model(name: str) -> ItemModel:
    """The item model registered as ``name`` (``nrm``, ``gpcm``, ``2pl``, ``grm``, or a joint
    most/least model such as ``nrm_most_least``)."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ScoringError(f"unknown item model {name!r}; choose one of {known}") from None
