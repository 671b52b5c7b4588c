"""Weak priors on item parameters for MAP-EM calibration (Bayes modal estimation).

A prior turns the M-step into the maximisation of ``Σ r log P + log p(φ)``. Its job here is to
keep estimates finite and plausible where the data cannot (a category nobody chose, an item a
few dozen candidates answered, an item whose answers separate perfectly), while leaving items
the data measure well practically untouched.

Default priors (``PriorOptions()``), per item model
---------------------------------------------------
* ``gpcm``, ``2pl``, ``grm`` — the slope ``a`` (per unit of category score; for the graded
  model the common slope) has a lognormal density with ``sdlog = 1`` and its mode at 1
  (``meanlog = sdlog² = 1``), which makes the log-prior exactly ``−(log a)² / 2``: a slope of
  2 costs 0.24, a slope of 100 costs 10.6 log-likelihood units. So a slope cannot run off to
  100 however cleanly an item separates, and it cannot become negative (these models assume
  the categories are ordered by merit; an item whose SME order is wrong ends near zero slope
  and shows a low item–rest correlation).
* ``gpcm``, ``2pl``, ``nrm`` — the category intercepts ``c_k`` (``c_0 = 0``) have the prior
  ``−Σ_k (c_k − c̄)² / (2 · 5²)`` on their contrasts around the item mean ``c̄``. It does not
  depend on which category is the reference, and it bounds the intercept of a category no
  candidate chose (at roughly ``−log(N σ² / |c|)`` below the others instead of −∞).
* ``grm`` — the boundary intercepts ``d_k`` are N(0, 5²) each.
* ``nrm`` — the option slopes ``s_k`` (``s_0 = 0``), centred over the options, are split into
  their component along the item's centred, unit-length SME-score vector (the direction the
  scoring key implies; its size is the item's discrimination) and the rest (how far the
  empirical order departs from the key). The first has a N(0, 4²) prior, the second
  N(0, 1.5²) per orthogonal contrast. Both are centred on zero, so the prior never pulls an
  item towards the key's own weights, only towards "all options alike"; the component along
  the key is the one the data measure best, and its weak prior leaves it close to the
  maximum-likelihood value (which runs a few per cent high in samples of a few hundred).
  ``tests/scoring/test_priors.py`` measures the shrinkage of option slopes at N = 200 (below
  5 %) and shows that a never-chosen option keeps finite estimates and standard errors.
* joint most/least models (``nrm_most_least``, ``gpcm_most_least``, …) — the base model's
  prior on each part, independently: on the most part with the most-pick option scores, on
  the least part with the least-pick scores (``max credit − credit``), so a GPCM joint item
  has a lognormal prior on both of its slopes. The shared (``*_best_worst``) models have the
  most part's prior only.

Standard errors with priors are those of the posterior mode: the inverse of the observed
information of the log posterior (data information plus the prior's curvature).

References
----------
Mislevy, R. J. (1986). Bayes modal estimation in item response models. Psychometrika, 51,
177–195.
Harwell, M. R., & Baker, F. B. (1991). The use of prior distributions in marginalized Bayesian
item parameter estimation: A didactic. Applied Psychological Measurement, 15, 375–389.
Thissen, D., Cai, L., & Bock, R. D. (2010). The nominal categories item response model. In
M. Nering & R. Ostini (Eds.), Handbook of Polytomous Item Response Theory Models (pp. 43–75).
Routledge.
Gelman, A., Jakulin, A., Pittau, M. G., & Su, Y.-S. (2008). A weakly informative default prior
distribution for logistic and other regression models. Annals of Applied Statistics, 2,
1360–1383.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray
from scoring.errors import ScoringError
from scoring.models import DivideByTotalModel, ItemModel, Priors, get_model
from scoring.most_least import SequentialMostLeast, split_pair_scores


@dataclass(frozen=True)
class PriorOptions:
    """Settings of the weak default priors (see the module docstring); ``None`` switches a
    component off.

    Attributes
    ----------
    slope_meanlog, slope_sdlog : float, float or None
        Lognormal prior on the slope of the ``gpcm``, ``2pl`` and ``grm`` models.
    intercept_sd : float or None
        SD of the intercept contrasts (``gpcm``, ``2pl``, ``nrm``) or of the boundary
        intercepts (``grm``).
    nrm_key_sd : float or None
        SD of the nominal model's slope component along the item's centred, unit-length
        SME-score direction.
    nrm_contrast_sd : float or None
        SD of the nominal model's slope contrasts orthogonal to that direction.
    """

    slope_meanlog: float = 1.0
    slope_sdlog: float | None = 1.0
    intercept_sd: float | None = 5.0
    nrm_key_sd: float | None = 4.0
    nrm_contrast_sd: float | None = 1.5

    def describe(self, model: str) -> dict[str, object]:
        """The settings that apply to ``model``, as written to the model file (a joint
        most/least model: those of its base model, on each part)."""
        out: dict[str, object] = {"kind": "weak default priors (MAP-EM)"}
        joint = get_model(model)
        if isinstance(joint, SequentialMostLeast):
            out["parts"] = "most" if joint.shared else "most and least, independently"
            model = joint.base.name
        if model == "nrm":
            out["slope"] = (
                None
                if self.nrm_key_sd is None and self.nrm_contrast_sd is None
                else {
                    "form": "normal on centred option slopes: along the SME-score direction "
                    "and orthogonal to it",
                    "key_sd": self.nrm_key_sd,
                    "contrast_sd": self.nrm_contrast_sd,
                }
            )
        else:
            out["slope"] = (
                None
                if self.slope_sdlog is None
                else {"form": "lognormal", "meanlog": self.slope_meanlog, "sdlog": self.slope_sdlog}
            )
        out["intercept"] = (
            None
            if self.intercept_sd is None
            else {
                "form": "normal on boundary intercepts"
                if model == "grm"
                else "normal on centred category intercepts",
                "sd": self.intercept_sd,
            }
        )
        return out


NO_PRIOR_OPTIONS = PriorOptions(
    slope_sdlog=None, intercept_sd=None, nrm_key_sd=None, nrm_contrast_sd=None
)


@dataclass(frozen=True)
class GroupPrior:
    """The prior of a group of J items with P parameters each.

    ``log p(φ_j) = −½ (φ_j − μ_j)ᵀ Λ_j (φ_j − μ_j) + Σ_i [lognormal term on φ_j[i]]`` over the
    indices ``i`` of ``lognormal_indices``.

    Attributes
    ----------
    precision : ndarray, shape (J, P, P)
    mean : ndarray, shape (J, P)
    lognormal_indices : tuple of int
        Parameters with a lognormal density (the slopes: one, or one per part of a joint
        most/least item); they must stay positive.
    meanlog, sdlog : float
    """

    precision: FloatArray
    mean: FloatArray
    lognormal_indices: tuple[int, ...] = ()
    meanlog: float = 0.0
    sdlog: float = 1.0

    @property
    def active(self) -> bool:
        return bool(self.lognormal_indices) or bool(np.any(self.precision != 0))

    def log_density(self, params: FloatArray) -> FloatArray:
        """Log prior of each item up to a constant, shape (J,); −inf outside the support."""
        delta = params - self.mean
        value = -0.5 * np.einsum("jp,jpl,jl->j", delta, self.precision, delta)
        for i in self.lognormal_indices:
            a = params[:, i]
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(np.where(a > 0, a, 1.0))
                term = -log_a - 0.5 * ((log_a - self.meanlog) / self.sdlog) ** 2
            value = value + np.where(a > 0, term, -np.inf)
        return np.asarray(value, dtype=float)

    def gradient(self, params: FloatArray) -> FloatArray:
        """Gradient of the log prior, shape (J, P)."""
        grad = -np.einsum("jpl,jl->jp", self.precision, params - self.mean)
        for i in self.lognormal_indices:
            a = np.maximum(params[:, i], 1e-12)
            z = (np.log(a) - self.meanlog) / self.sdlog**2
            grad[:, i] += -(1.0 + z) / a
        return np.asarray(grad, dtype=float)

    def curvature(self, params: FloatArray, exact: bool = False) -> FloatArray:
        """Negative Hessian of the log prior, shape (J, P, P).

        The lognormal term's exact second derivative changes sign for large slopes; with
        ``exact=False`` (the M-step) its positive part ``1/(sdlog² a²)`` is used instead, which
        keeps the Fisher-scoring matrix positive definite (step halving guards the ascent).
        """
        out = np.array(self.precision, dtype=float, copy=True)
        s2 = self.sdlog**2
        for i in self.lognormal_indices:
            a = np.maximum(params[:, i], 1e-12)
            if exact:
                out[:, i, i] += (1.0 - s2 - (np.log(a) - self.meanlog)) / (s2 * a**2)
            else:
                out[:, i, i] += 1.0 / (s2 * a**2)
        return out

    def reflected(self, item_model: ItemModel) -> GroupPrior:
        """The prior of the mirror-image solution (θ → −θ)."""
        if self.lognormal_indices:
            raise ScoringError(
                f"{item_model.name}: a lognormal slope prior has no mirror image (its slopes "
                "are positive, which fixes the direction of theta)"
            )
        # reflect() flips the sign of the slope parameters, so it maps ones to the signs
        sign = item_model.reflect(np.ones_like(self.mean[:1]))[0]
        return GroupPrior(
            self.precision * sign[None, :, None] * sign[None, None, :],
            item_model.reflect(self.mean),
        )

    @staticmethod
    def block_diagonal(parts: list[GroupPrior]) -> GroupPrior:
        """One prior over the concatenated parameters of ``parts`` (same items, same
        lognormal settings), independent between parts."""
        sizes = [p.mean.shape[1] for p in parts]
        n_items, total = parts[0].mean.shape[0], sum(sizes)
        precision = np.zeros((n_items, total, total))
        indices: list[int] = []
        offset = 0
        for part, size in zip(parts, sizes, strict=True):
            precision[:, offset : offset + size, offset : offset + size] = part.precision
            indices += [offset + i for i in part.lognormal_indices]
            offset += size
        mean = np.concatenate([p.mean for p in parts], axis=1)
        return GroupPrior(precision, mean, tuple(indices), parts[0].meanlog, parts[0].sdlog)


def legacy_prior(item_model: ItemModel, priors: Priors, scores: FloatArray) -> GroupPrior:
    """Independent normal priors on the raw parameters (the ``Priors`` value of old)."""
    n_items, n_categories = scores.shape
    precision, mean = priors.precision(item_model.slope_mask(n_categories))
    return GroupPrior(
        np.broadcast_to(np.diag(precision), (n_items, precision.size, precision.size)).copy(),
        np.broadcast_to(mean, (n_items, mean.size)).copy(),
    )


def build_prior(item_model: ItemModel, options: PriorOptions, scores: FloatArray) -> GroupPrior:
    """The default-form prior of ``options`` for items with category ``scores`` (J, K).

    A joint most/least item (:mod:`scoring.most_least`) gets its base model's prior on each
    part: on the most part's parameters with the most-pick option scores, on the least
    part's with the least-pick scores (``max credit − credit``), independent of each other.
    """
    if isinstance(item_model, SequentialMostLeast):
        most, least = split_pair_scores(scores)
        parts = [build_prior(item_model.base, options, most)]
        if not item_model.shared:
            parts.append(build_prior(item_model.base, options, least))
        return GroupPrior.block_diagonal(parts)
    n_items, n_categories = scores.shape
    n_params = item_model.n_params(n_categories)
    precision = np.zeros((n_items, n_params, n_params))
    mean = np.zeros((n_items, n_params))
    lognormal: tuple[int, ...] = ()
    if item_model.form == "cumulative":
        if options.intercept_sd is not None:
            idx = np.arange(1, n_params)
            precision[:, idx, idx] = 1.0 / options.intercept_sd**2
        if options.slope_sdlog is not None:
            lognormal = (0,)
        return GroupPrior(precision, mean, lognormal, options.slope_meanlog, _sd(options))
    if not isinstance(item_model, DivideByTotalModel):
        raise ScoringError(f"{item_model.name}: no default prior for this kind of model")
    S, C = item_model.design(scores)  # (J, K, P)
    centre = np.eye(n_categories) - 1.0 / n_categories
    if options.intercept_sd is not None:
        precision += np.einsum("jkp,kl,jlq->jpq", C, centre, C) / options.intercept_sd**2
    if item_model.name == "nrm":
        centred_scores = scores @ centre
        norm = np.linalg.norm(centred_scores, axis=1, keepdims=True)
        direction = np.where(norm > 1e-12, centred_scores / np.maximum(norm, 1e-12), 0.0)
        along = np.einsum("jk,jl->jkl", direction, direction)  # (J, K, K)
        if options.nrm_contrast_sd is not None:
            across = centre[None] - along
            precision += np.einsum("jkp,jkl,jlq->jpq", S, across, S) / options.nrm_contrast_sd**2
        if options.nrm_key_sd is not None:
            precision += np.einsum("jkp,jkl,jlq->jpq", S, along, S) / options.nrm_key_sd**2
    elif options.slope_sdlog is not None:
        lognormal = (0,)
    return GroupPrior(precision, mean, lognormal, options.slope_meanlog, _sd(options))


def _sd(options: PriorOptions) -> float:
    return 1.0 if options.slope_sdlog is None else options.slope_sdlog


__all__ = ["NO_PRIOR_OPTIONS", "GroupPrior", "PriorOptions", "build_prior", "legacy_prior"]
