"""The settings of a test: ``CATPolicy`` (form, length, precision, exposure control, prior)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assessment.vocabulary import Form

ExposureControl = Literal["randomesque", "sympson_hetter", "none"]


class CATPolicy(BaseModel):
    """Settings of the adaptive (or fixed) test; stored, never changed.

    Attributes
    ----------
    form : "adaptive" or "fixed"
        ``fixed`` presents the fixed form (``items/forms.yaml``, the pool's ``fixed_order``)
        once in a content-interleaved order, no early stop.
    min_items_per_competency : int
        Items every competency gets before the SE rule may stop it (content balancing).
    max_items : int
        Hard limit on test length.
    se_target : float
        A competency is measured precisely enough when its posterior SD is at or below this.
    composite_se_target : float or None
        The composite (:mod:`scoring.composite`) is precise enough when its posterior SD on
        the T scale is at or below this (None: no composite rule).
    exposure_control : "randomesque", "sympson_hetter" or "none"
        How the most informative item is kept from being shown to everyone.
    randomesque_n : int
        Randomesque: choose uniformly among this many best items (Kingsbury & Zara, 1989).
    max_exposure : float
        Largest acceptable exposure rate (share of candidates who see an item); the yardstick
        of the simulation study. The mean exposure over the bank is (mean test length) / (bank
        size), so no control can push the maximum below that.
    exposure_target : float
        The ``r`` of Sympson–Hetter: control parameters are computed so that every item is
        given to at most this share of candidates. It lies below ``max_exposure`` because an
        observed rate is a binomial share: with 1000 candidates and dozens of items near ``r``
        the largest observed rate is about 0.03 above ``r``.
    n_quad : int
        Number of equally spaced grid nodes on [-quad_bound, quad_bound] carrying each
        competency's log-likelihood. The prior is always the model's latent distribution
        ``N(0, R)`` (its ``latent_correlation``), the scale the model was calibrated on.
    quad_bound : float

    Notes
    -----
    Defaults tuned with ``sjt cat-sim --n 1000`` (seeds 1–5) on the synthetic model of the
    130-item packaged bank against the 25-item fixed form of ``items/forms.yaml``, with the
    shipped Sympson–Hetter parameters (``assessment/delivery/exposure.json``, computed with
    ``sjt cat-sim --exposure-calibrate --n 2000 --seed 0``). Seeds 1–3: 16.2–16.3 items on
    average, 35 % fewer than the form's 25; lowest correlation of estimate and truth over
    competencies 0.736–0.745 against the form's 0.735–0.743 (never more than 0.004 below it);
    maximum exposure 0.213–0.224. About 2 % of tests end at ``max_items``. The SE rule
    equalises precision over competencies, so on a competency whose fixed-form items happen to
    be strong (resilience) the adaptive correlation is up to 0.04 below the form's; the goal
    compares the lowest correlations. The designated form is a little less informative than a
    typical content-balanced 25-item form under the synthetic model (lowest correlation 0.740
    against 0.753 ± 0.024 for 30 random forms of the same design, seed 1); against that average
    the adaptive test's lowest correlation is 0.016 below, still within the 0.03.

    The exposure cap is what limits the adaptive test. Each competency has 26 items and each
    may go to at most a quarter of candidates, so a candidate can get on average at most about
    26 × ``exposure_target`` items' worth of a competency's bank, about 5 items of average
    information: the most informative items cannot be given to everyone, and the engine must
    also use average and weak ones. Without exposure control the same test length reaches
    correlations about 0.05 higher.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    form: Form = "adaptive"
    min_items_per_competency: int = Field(default=3, ge=0)
    max_items: int = Field(default=34, ge=1)
    se_target: float = Field(default=0.45, gt=0.0)
    composite_se_target: float | None = Field(default=None, gt=0.0)
    exposure_control: ExposureControl = "sympson_hetter"
    randomesque_n: int = Field(default=3, ge=1)
    max_exposure: float = Field(default=0.25, gt=0.0, le=1.0)
    exposure_target: float = Field(default=0.2, gt=0.0, le=1.0)
    n_quad: int = Field(default=41, ge=21)
    quad_bound: float = Field(default=6.0, gt=0.0)

    @property
    def quadrature(self) -> tuple[int, float]:
        """``(n_quad, quad_bound)``: what an ``ItemPool`` depends on besides bank and model."""
        return (self.n_quad, self.quad_bound)
