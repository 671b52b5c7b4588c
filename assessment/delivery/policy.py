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
    Defaults chosen from the targets of issue 12, measured with ``sjt cat-sim --n 1000
    --rho 0.5`` on the synthetic model (joint most/least items, latent correlation .5) of the
    210-item packaged bank, with the shipped Sympson–Hetter parameters
    (``assessment/delivery/exposure.json``, ``sjt cat-sim --exposure-calibrate --n 1000
    --seed 0 --rounds 6``). Seeds 1–4 (re-run 2026-12-07): 29.93–30.19 items on average (a
    third of tests end at ``max_items``, the rest at the SE target; the Monte-Carlo SE of one
    seed's mean is 0.12), squared correlation of estimate and truth 0.770–0.812 per
    competency and 0.906–0.917 for the composite, RMSE / posterior SD 0.96–1.04, maximum
    exposure 0.226–0.243; the 25-item fixed form reaches 0.704–0.713 on its weakest
    competency and 0.869–0.877 for the composite. Mean length and composite reliability are
    both close to their limits (30 items, 0.90): the bank (42 items per competency) and the
    exposure cap limit the test.
    Each item may go to at most a quarter of candidates, so the most informative items cannot
    be given to everyone and the engine must also use weaker ones.
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
