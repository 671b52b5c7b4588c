"""Empirical versus SME keys: the option order the fitted model implies beside the SME credits.

"Recalibrating the weights" of a situational-judgement item means asking whether the data
rank its options as the subject-matter experts did. In a divide-by-total model the category
slope is the option's empirical weight: the log-odds of choosing option k over option m rise
by ``slope_k − slope_m`` per unit of θ (Bock, 1972; Thissen, Cai & Bock, 2010), so ordering the
options by slope gives the empirical key. For the nominal model the slopes are free; for the
GPCM and 2PL they are ``a · score_k``, and for the graded model the categories are ordered by
score with a common slope, so with these models the empirical order is the SME order when the
slope is positive and its reverse when it is negative. A joint most/least item
(:mod:`scoring.most_least`) weighs option j by ``α_j − β_j``, its most-pick slope minus its
least-pick slope: an option the abler candidates pick as most and avoid as least ranks high
(for the shared model, ``β = −α``, this is ``2α``); its credits are the most part's scores.

A disagreement is flagged only when it exceeds the estimation noise: the empirical best option
must beat every SME-best option by more than ``z_flag`` standard errors of the slope difference
(likewise for the worst option). Standard errors of a difference use the parameters' marginal
standard errors and ignore their covariance, which for nominal slopes (positively correlated
through the shared reference option) overstates the error, so the flags err on the side of
silence. Without standard errors the point estimates decide.

References
----------
Bock, R. D. (1972). Estimating item parameters and latent ability when responses are scored
in two or more nominal categories. Psychometrika, 37, 29–51.
Thissen, D., Cai, L., & Bock, R. D. (2010). The nominal categories item response model. In
M. Nering & R. Ostini (Eds.), Handbook of Polytomous Item Response Theory Models (pp. 43–75).
Routledge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from scoring.arrays import BoolArray, FloatArray
from scoring.models import DivideByTotalModel, ItemModel
from scoring.most_least import SequentialMostLeast, option_codes, split_pair_scores
from scoring.parameters import ItemParameters, ModelParameters

Z_FLAG = 1.96
"""Standard errors by which an empirical best (worst) option must beat the SME's to be flagged."""
LOW_RANK_CORRELATION = 0.0
"""Spearman correlation of weights with credits at or below which the order is flagged."""


@dataclass(frozen=True)
class KeyComparison:
    """One item's empirical option weights beside its SME credits.

    ``weights`` are the category slopes relative to the first option (the model file's
    ``slope``), ``weight_se`` their standard errors (NaN where not computed). ``best_z`` is how
    many standard errors the empirical best option's weight exceeds the best SME-keyed option's
    (0 when they agree); ``worst_z`` likewise for the worst option.
    """

    item_id: str
    dimension: str
    codes: tuple[str | int, ...]
    credits: tuple[float, ...]
    weights: tuple[float, ...]
    weight_se: tuple[float, ...]
    rank_correlation: float
    best_z: float
    worst_z: float
    flags: tuple[str, ...]

    @property
    def empirical_order(self) -> tuple[str | int, ...]:
        """Option codes from the highest empirical weight to the lowest."""
        return tuple(self.codes[k] for k in np.argsort(-np.array(self.weights), kind="stable"))

    @property
    def sme_order(self) -> tuple[str | int, ...]:
        """Option codes from the highest SME credit to the lowest (ties in bank order)."""
        return tuple(self.codes[k] for k in np.argsort(-np.array(self.credits), kind="stable"))

    @property
    def empirical_best(self) -> str | int:
        return self.empirical_order[0]

    @property
    def empirical_worst(self) -> str | int:
        return self.empirical_order[-1]

    def row(self) -> dict[str, Any]:
        """Plain columns for tables and CSV files."""
        return {
            "sme_order": ">".join(str(code) for code in self.sme_order),
            "empirical_order": ">".join(str(code) for code in self.empirical_order),
            "key_rank_r": self.rank_correlation,
            "key_best_z": self.best_z,
            "key_worst_z": self.worst_z,
            "key_flags": ";".join(self.flags),
        }


def compare_keys(model: ModelParameters, z_flag: float = Z_FLAG) -> tuple[KeyComparison, ...]:
    """Empirical option order versus SME credits for every item of ``model``, in model order."""
    if not z_flag >= 0:
        raise ValueError(f"z_flag must be a non-negative number, got {z_flag}")
    return tuple(
        compare_item_key(item, model, z_flag, model.item_model_for(column))
        for column, item in enumerate(model.items)
    )


def compare_item_key(
    item: ItemParameters,
    model: ModelParameters,
    z_flag: float = Z_FLAG,
    item_model: ItemModel | None = None,
) -> KeyComparison:
    """The key comparison of one item of ``model`` (see the module docstring).

    ``item_model`` is the item's own model when it differs from the file's (joint items).
    """
    own_model = model.item_model if item_model is None else item_model
    codes, credits, design = _option_design(item, own_model)
    params = np.array(item.params, dtype=float)
    design = design - design[:1]
    weights = design @ params  # relative to option 0
    contrasts = design[:, None, :] - design[None, :, :]
    se = np.full(len(item.params), math.nan) if item.se is None else np.array(item.se, float)
    variance = np.einsum("kmp,p->km", contrasts**2, se**2)  # var(w_k − w_m), covariance ignored
    best = _beyond_noise(weights, variance, credits == credits.max(), z_flag)
    worst = _beyond_noise(-weights, variance, credits == credits.min(), z_flag)
    rank_r = _spearman(weights, credits)
    flags = []
    if best[1]:
        flags.append("key_best")
    if worst[1]:
        flags.append("key_worst")
    if not math.isnan(rank_r) and rank_r <= LOW_RANK_CORRELATION:
        flags.append("key_order")
    weight_se = np.sqrt(np.einsum("kp,p->k", contrasts[:, 0] ** 2, se**2))
    return KeyComparison(
        item.item_id,
        item.dimension,
        codes,
        tuple(float(c) for c in credits),
        tuple(float(w) for w in weights),
        tuple(float(s) for s in weight_se),
        rank_r,
        best[0],
        worst[0],
        tuple(flags),
    )


def _option_design(
    item: ItemParameters, item_model: ItemModel
) -> tuple[tuple[str | int, ...], FloatArray, FloatArray]:
    """Option codes, SME credits (K,) and the design (K, P) of the options' weights.

    ``design @ params`` are the option weights up to a constant. The graded model's
    categories are ordered by score with one slope, so its weights are ``a · score_k``; a joint
    item's are ``α_k − β_k`` (module docstring).
    """
    scores = np.array([item.spec.scores], dtype=float)
    n_params = len(item.params)
    if isinstance(item_model, SequentialMostLeast):
        s_most, _, s_least, _ = item_model.design(scores)
        credits = split_pair_scores(scores)[0][0]
        return option_codes(item.spec.codes), credits, s_most[0] - s_least[0]
    if isinstance(item_model, DivideByTotalModel):
        return item.spec.codes, scores[0], item_model.design(scores)[0][0]
    design = np.zeros((scores.shape[1], n_params))
    design[:, 0] = scores[0]
    return item.spec.codes, scores[0], design


def _beyond_noise(
    weights: FloatArray, variance: FloatArray, keyed: BoolArray, z_flag: float
) -> tuple[float, bool]:
    """How far the top-weighted option beats every ``keyed`` option, in standard errors.

    Returns (z, flagged). z is 0 when the top-weighted option is keyed; infinite when the
    difference is positive and its standard error is zero or unknown (point estimates decide).
    """
    top = int(np.argmax(weights))
    if keyed[top]:
        return 0.0, False
    gaps = weights[top] - weights[keyed]
    sds = np.sqrt(variance[top, keyed])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(gaps <= 0, 0.0, np.where(np.isfinite(sds) & (sds > 0), gaps / sds, math.inf))
    smallest = float(np.min(z))
    return smallest, smallest > z_flag


def _spearman(weights: FloatArray, credits: FloatArray) -> float:
    """Spearman correlation (mid-ranks for ties); NaN when either side is constant."""
    a, b = rankdata(weights), rankdata(credits)
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denominator if denominator > 0 else math.nan
