"""Rater agreement for subject-matter-expert panels: ICC(2,k), r_wg and option summaries.

Pure numpy/scipy. A panel rates every option of an item on a 1–7 effectiveness scale; the
ratings of one item form a targets × raters matrix (options in rows, raters in columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from scoring.arrays import FloatArray


def _matrix(ratings: ArrayLike) -> FloatArray:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"ratings must be a targets × raters matrix, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("ratings must be complete (no missing or infinite values)")
    return x


def icc2k(ratings: ArrayLike) -> float:
    """ICC(2,k): reliability of the mean of k raters, two-way random effects, absolute agreement.

    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin, 86, 420–428 (Case 2, average of k raters):
    ``ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS) / n)`` with the between-targets (BMS),
    between-judges (JMS) and residual (EMS) mean squares of the n × k matrix.

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        Complete ratings; at least two targets and two raters.

    Returns
    -------
    float
        At most 1; NaN when the targets and raters do not vary at all (undefined).
    """
    x = _matrix(ratings)
    n, k = x.shape
    if n < 2 or k < 2:
        raise ValueError(f"ICC(2,k) needs at least 2 targets and 2 raters, got {n} × {k}")
    grand = x.mean()
    ss_rows = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_error = np.sum((x - grand) ** 2) - ss_rows - ss_cols
    bms = ss_rows / (n - 1)
    jms = ss_cols / (k - 1)
    ems = max(ss_error, 0.0) / ((n - 1) * (k - 1))
    denominator = bms + (jms - ems) / n
    if denominator <= 1e-12:
        return float("nan")
    return float((bms - ems) / denominator)


def uniform_null_variance(n_categories: int) -> float:
    """Variance of a uniform (random responding) distribution on an A-point scale: (A² − 1)/12."""
    if n_categories < 2:
        raise ValueError(f"a rating scale needs at least 2 categories, got {n_categories}")
    return (n_categories**2 - 1) / 12.0


def rwg(ratings: ArrayLike, n_categories: int = 7) -> FloatArray:
    """Within-group agreement r_wg of each target against a uniform null.

    James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology, 69, 85–98:
    ``r_wg = 1 − s²_x / σ²_EU`` with the raters' sample variance s²_x (ddof = 1) and the uniform
    null variance σ²_EU = (A² − 1)/12 (4 on a 7-point scale). Values below 0 (more spread than
    random responding) are set to 0, as the authors recommend.

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        Complete ratings; at least two raters.
    n_categories : int
        Number of scale points A.

    Returns
    -------
    ndarray, shape (n_targets,)
    """
    x = _matrix(ratings)
    if x.shape[1] < 2:
        raise ValueError(f"r_wg needs at least 2 raters, got {x.shape[1]}")
    variance = x.var(axis=1, ddof=1)
    return np.asarray(np.clip(1.0 - variance / uniform_null_variance(n_categories), 0.0, 1.0))


@dataclass(frozen=True)
class TargetSummary:
    """Mean, SD, n and the t-based 95% confidence interval of one target's ratings."""

    mean: float
    sd: float
    n: int
    ci_low: float
    ci_high: float


def summarise(values: ArrayLike, level: float = 0.95) -> TargetSummary:
    """Mean, sample SD (ddof = 1) and Student-t confidence interval of one target's ratings.

    The interval is ``mean ± t_{(1+level)/2, n−1} · SD / √n`` (Student 1908); with one rating the
    SD and interval are undefined (NaN).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("no ratings to summarise")
    mean = float(x.mean())
    if x.size < 2:
        return TargetSummary(mean, float("nan"), 1, float("nan"), float("nan"))
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1)) * sd / np.sqrt(x.size)
    return TargetSummary(mean, sd, int(x.size), mean - half, mean + half)
