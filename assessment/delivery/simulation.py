"""Simulation study of the adaptive test against the fixed form, on the same simulated candidates.

True thetas are drawn from N(0, R) (equal correlations ``rho``, or the model's latent
correlation); every simulated candidate's answer to every bank item is drawn once from the
model, and both the adaptive engine and the fixed form read those same answers (the post-hoc
design), so the two are compared on identical data. The real ``AdaptiveEngine`` runs every
step, scoring under the model's latent correlation as delivery does.

Reported per competency and for the composite (:mod:`scoring.composite`): reliability as the
squared correlation of estimate and truth, RMSE, the root mean square of the posterior SDs
(``rms_se``) and their ratio (near 1 when the SEs are honest), mean number of items; overall
the band agreement of the composite's recommendation band with the true one, mean length,
estimated minutes and item exposure.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assessment.delivery.engine import AdaptiveEngine, ItemPool, answer_table
from assessment.delivery.exposure import delivered_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.session_values import CandidateSession, Response
from assessment.vocabulary import CARE_AT, RECOMMEND_AT
from items import ItemBank
from items.formats import item_format
from scoring import ModelParameters, simulate_theta
from scoring.arrays import FloatArray, IntArray
from scoring.composite import CompositeReference, composite
from scoring.norms import NormTable

ANSWERED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Fixed answer time of simulated responses, so simulated sessions are reproducible."""

SECONDS_PER_ITEM = 40.0
"""Planning figure for the time a candidate spends on one item (scenario, four options, one
or two picks): 30 items in about 20 minutes, the figure of issue 12. Replace it by the median
response time of real sessions once there are some."""


@dataclass(frozen=True)
class SimulatedAnswers:
    """Every simulated candidate's answer to every bank item.

    Attributes
    ----------
    theta : ndarray, shape (n_candidates, n_competencies)
        True thetas, columns in the pool's competency order.
    most, least : ndarray of int, shape (n_candidates, n_items)
        Option positions (into ``ItemPool.option_ids``) picked as most / least effective;
        ``least`` is -1 for ``best`` items.
    """

    theta: FloatArray
    most: IntArray
    least: IntArray

    def response(self, pool: ItemPool, candidate: int, item_idx: int) -> Response:
        """The simulated candidate's answer to one item as a ``Response``."""
        options = pool.option_ids[item_idx]
        least = int(self.least[candidate, item_idx])
        return Response(
            item_id=pool.item_ids[item_idx],
            most=options[int(self.most[candidate, item_idx])],
            least=options[least] if least >= 0 else None,
            answered_at=ANSWERED_AT,
        )


def draw_answers(
    pool: ItemPool,
    model: ModelParameters,
    n_candidates: int,
    rng: np.random.Generator,
    correlation: float | FloatArray | None = 0.3,
) -> SimulatedAnswers:
    """Draw true thetas and every candidate's answer to every bank item.

    Parameters
    ----------
    pool, model : ItemPool, ModelParameters
        The model generates the answers (as the pool scores them).
    n_candidates : int
    rng : numpy.random.Generator
    correlation : float or array_like (D, D) or None
        Correlation of the true thetas: one value for every pair of competencies, a matrix
        (in the pool's competency order), or None for the model's latent correlation.

    Notes
    -----
    An answer is drawn from the answer categories of the item (``ItemPool.log_prob``'s
    order): a joint most/least item's pair probabilities, or for an item calibrated as two
    parts the products of the parts' probabilities over the pairs with different options,
    renormalised (the least pick never repeats the most pick).
    """
    if correlation is None:
        correlation = pool.prior.correlation
    theta = simulate_theta(n_candidates, len(pool.competencies), rng, correlation)
    shape = (n_candidates, pool.n_items)
    most, least = np.empty(shape, np.int64), np.full(shape, -1, np.int64)
    columns = {item_id: j for j, item_id in enumerate(model.item_ids)}
    for j, item_id in enumerate(pool.item_ids):
        t = np.ascontiguousarray(theta[:, pool.competency_idx[j]])
        log_prob, _, _ = answer_table(
            model, columns, item_id, pool.formats[j], pool.option_ids[j], t
        )
        prob = np.exp(log_prob - log_prob.max(axis=0, keepdims=True))
        category = _draw(prob / prob.sum(axis=0), rng)
        rules = item_format(pool.formats[j])
        most[:, j], least[:, j] = rules.answer_picks(category, len(pool.option_ids[j]))
    return SimulatedAnswers(theta, most, least)


def _draw(prob: FloatArray, rng: np.random.Generator) -> IntArray:
    """One category per column of ``prob`` (n_options, n_candidates), shape (n_candidates,)."""
    cumulative = np.cumsum(prob, axis=0)
    cumulative[-1] = 1.0
    draws = rng.random((prob.shape[1],))
    return np.sum(draws[None, :] > cumulative, axis=0)


@dataclass(frozen=True)
class CompetencySimulation:
    """Recovery on one competency, adaptive and fixed form.

    Attributes
    ----------
    reliability, fixed_reliability : float
        Squared correlation of the EAP estimate with the true theta.
    theta_r, fixed_theta_r : float
        The correlations themselves.
    rmse, fixed_rmse : float
    rms_se, fixed_rms_se : float
        Root mean square of the posterior SDs at the end of the test.
    mean_se : float
        Mean posterior SD (adaptive).
    mean_items, fixed_items : float
        Mean number of items on this competency.
    """

    competency: str
    reliability: float
    fixed_reliability: float
    theta_r: float
    fixed_theta_r: float
    rmse: float
    fixed_rmse: float
    rms_se: float
    fixed_rms_se: float
    mean_se: float
    mean_items: float
    fixed_items: float

    @property
    def rmse_over_se(self) -> float:
        """RMSE / RMS posterior SD of the adaptive test (1 when the SEs are honest)."""
        return self.rmse / self.rms_se


@dataclass(frozen=True)
class Outcome:
    """Every simulated candidate's estimates from one form, in the pool's competency order.

    Attributes
    ----------
    theta, se : ndarray, shape (n, D)
    covariance : ndarray, shape (n, D, D)
    n_items : ndarray of int, shape (n, D)
    seen : ndarray of bool, shape (n, n_items)
        Items each candidate was given.
    considered : ndarray of bool, shape (n, n_items)
        Items the exposure control looked at (Sympson–Hetter P(S)).
    stop_reasons : tuple of str
    """

    theta: FloatArray
    se: FloatArray
    covariance: FloatArray
    n_items: IntArray
    seen: NDArray[np.bool_]
    considered: NDArray[np.bool_]
    stop_reasons: tuple[str, ...]


@dataclass(frozen=True)
class CatSimulationResult:
    """Outcome of ``simulate_cat``.

    Attributes
    ----------
    policy : CATPolicy
    n_candidates, seed : int
    rho : float or None
        Correlation of the simulated competencies (None: the model's latent correlation).
    competencies : tuple of str
        In the pool's order (the columns of the arrays).
    true_theta : ndarray, shape (n, D)
    correlation : ndarray, shape (D, D)
        The scoring model's latent correlation (reference population of the composite).
    adaptive, fixed : Outcome
    item_ids : tuple of str
        The pool's items (columns of ``seen``).
    details : tuple of CompetencySimulation
    """

    policy: CATPolicy
    n_candidates: int
    seed: int
    rho: float | None
    competencies: tuple[str, ...]
    true_theta: FloatArray
    correlation: FloatArray
    adaptive: Outcome
    fixed: Outcome
    item_ids: tuple[str, ...]
    details: tuple[CompetencySimulation, ...]

    # ---------------------------------------------------------------------- summaries
    @property
    def mean_items(self) -> float:
        return float(self.adaptive.seen.sum(axis=1).mean())

    @property
    def mean_items_se(self) -> float:
        """Monte-Carlo SE of ``mean_items``: the SD of the adaptive test's length over the
        simulated candidates divided by the square root of their number."""
        lengths = self.adaptive.seen.sum(axis=1)
        return float(lengths.std(ddof=1) / np.sqrt(lengths.size))

    @property
    def fixed_items(self) -> float:
        return float(self.fixed.seen.sum(axis=1).mean())

    @property
    def theta_r_min(self) -> float:
        return min(d.theta_r for d in self.details)

    @property
    def fixed_theta_r_min(self) -> float:
        return min(d.fixed_theta_r for d in self.details)

    @property
    def exposure(self) -> dict[str, float]:
        """Exposure rate of every item (adaptive test)."""
        rates = self.adaptive.seen.mean(axis=0)
        return dict(zip(self.item_ids, map(float, rates), strict=True))

    @property
    def max_exposure(self) -> float:
        return float(self.adaptive.seen.mean(axis=0).max())

    @property
    def theta_r_gap_max(self) -> float:
        """Largest loss of correlation against the fixed form on any one competency."""
        return max(c.fixed_theta_r - c.theta_r for c in self.details)

    @property
    def item_reduction(self) -> float:
        """Share of items saved against the fixed form, ``1 - mean_items / fixed_items``."""
        return 1.0 - self.mean_items / self.fixed_items

    def composite_columns(self, outcome: Outcome | None = None) -> dict[str, FloatArray]:
        """``composite_true``, ``composite``, ``composite_se`` (T scale) of every candidate."""
        outcome = outcome or self.adaptive
        latent = CompositeReference.latent(self.correlation)
        found = composite(outcome.theta, outcome.covariance, latent)
        truth = composite(self.true_theta, np.zeros_like(outcome.covariance), latent)
        return {"composite_true": truth.t, "composite": found.t, "composite_se": found.se}

    def composite_summary(self, outcome: Outcome | None = None) -> dict[str, float]:
        """Composite reliability (r² with truth), RMSE, RMS SE and band agreement."""
        columns = self.composite_columns(outcome)
        truth, found, se = columns["composite_true"], columns["composite"], columns["composite_se"]
        rmse = float(np.sqrt(np.mean((found - truth) ** 2)))
        rms_se = float(np.sqrt(np.mean(se**2)))
        return {
            "reliability": float(np.corrcoef(found, truth)[0, 1] ** 2),
            "rmse": rmse,
            "rms_se": rms_se,
            "rmse_over_se": rmse / rms_se,
            "band_agreement": float(np.mean(composite_band(found) == composite_band(truth))),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per simulated candidate (the ``sjt cat-sim --out`` file).

        Columns: ``<dim>_true``, ``<dim>_theta``, ``<dim>_se`` for every competency,
        ``n_items``, ``composite_true``, ``composite``, ``composite_se``, ``band_true``,
        ``band`` and ``items`` (the ids of the items given, space-separated, for exposure).
        """
        columns = self.composite_columns()
        band_true = composite_band(columns["composite_true"])
        band = composite_band(columns["composite"])
        out = []
        for n in range(self.n_candidates):
            row: dict[str, Any] = {}
            for d, name in enumerate(self.competencies):
                row[f"{name}_true"] = float(self.true_theta[n, d])
                row[f"{name}_theta"] = float(self.adaptive.theta[n, d])
                row[f"{name}_se"] = float(self.adaptive.se[n, d])
            row["n_items"] = int(self.adaptive.seen[n].sum())
            for key in ("composite_true", "composite", "composite_se"):
                row[key] = float(columns[key][n])
            row["band_true"], row["band"] = str(band_true[n]), str(band[n])
            given = np.flatnonzero(self.adaptive.seen[n])
            row["items"] = " ".join(self.item_ids[j] for j in given)
            out.append(row)
        return out

    def write_csv(self, path: str | Path) -> Path:
        """Write :meth:`rows` as UTF-8 CSV (full float precision)."""
        file = Path(path)
        rows = self.rows()
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return file

    def reliability_se(self, n_boot: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
        """Monte-Carlo standard error of each competency's reliability (``reliability`` and
        ``fixed_reliability``): the SD of the squared correlation over ``n_boot`` bootstrap
        resamples of the simulated candidates (Efron & Tibshirani 1993, ch. 6), i.e. how much
        the figure would move with another set of ``n_candidates`` simulated candidates."""
        rng = np.random.default_rng(seed)
        rows = rng.integers(0, self.n_candidates, size=(n_boot, self.n_candidates))
        out: dict[str, dict[str, float]] = {"reliability": {}, "fixed_reliability": {}}
        for key, outcome in (("reliability", self.adaptive), ("fixed_reliability", self.fixed)):
            for c, name in enumerate(self.competencies):
                truth, found = self.true_theta[rows, c], outcome.theta[rows, c]
                out[key][name] = float(np.std(_row_r(found, truth) ** 2, ddof=1))
        return out

    def summary(self) -> dict[str, Any]:
        """Flat JSON-ready summary (the ``sjt cat-sim`` line)."""
        reasons: dict[str, int] = {}
        for reason in self.adaptive.stop_reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
        composite_adaptive = self.composite_summary()
        composite_fixed = self.composite_summary(self.fixed)
        return {
            "mean_items": round(self.mean_items, 3),
            "fixed_items": round(self.fixed_items, 3),
            "estimated_minutes": round(self.mean_items * SECONDS_PER_ITEM / 60.0, 1),
            "seconds_per_item": SECONDS_PER_ITEM,
            "reliability_min": round(min(d.reliability for d in self.details), 4),
            "composite_reliability": round(composite_adaptive["reliability"], 4),
            "composite_rmse_over_se": round(composite_adaptive["rmse_over_se"], 4),
            "band_agreement": round(composite_adaptive["band_agreement"], 4),
            "fixed_composite_reliability": round(composite_fixed["reliability"], 4),
            "fixed_band_agreement": round(composite_fixed["band_agreement"], 4),
            "theta_r_min": round(self.theta_r_min, 4),
            "fixed_theta_r_min": round(self.fixed_theta_r_min, 4),
            "max_exposure": round(self.max_exposure, 4),
            "item_reduction": round(self.item_reduction, 4),
            "theta_r_gap_max": round(self.theta_r_gap_max, 4),
            "n": self.n_candidates,
            "seed": self.seed,
            "rho": self.rho,
            "policy": self.policy.model_dump(),
            "stop_reasons": dict(sorted(reasons.items())),
            "competencies": {
                c.competency: {
                    **{k: round(v, 4) for k, v in asdict(c).items() if k != "competency"},
                    "rmse_over_se": round(c.rmse_over_se, 4),
                }
                for c in self.details
            },
        }


SIMULATION_FILE = Path(__file__).resolve().parent / "simulation.json"
"""The shipped simulation record of the default test under the synthetic model
(``sjt cat-sim --n 1000 --seed 1 --rho 0.5 --save-record``)."""


def simulation_record(result: CatSimulationResult, model_name: str) -> dict[str, Any]:
    """What a model version keeps of a simulation of its delivered test.

    Reliability per competency and of the composite (squared correlation with the true
    values), RMSE / SE and mean length of the adaptive test (with its Monte-Carlo SE,
    ``mean_items_se``); the fixed form's reliability per competency on the same simulated
    candidates (``fixed_reliability``: a fixed-form profile must not print the adaptive
    test's figure); norm tables of each form's estimates (the
    simulated candidates as a norm group of each test as delivered: ``norms`` the adaptive
    test's, ``fixed_norms`` the fixed form's, since EAP estimates shrink towards the prior by
    an amount that depends on the design) with the correlation of those estimates
    (``estimate_correlation``, ``fixed_estimate_correlation``, for the composite's
    reference), and provenance.
    """
    composite_figures = result.composite_summary()
    return {
        "provenance": {
            "model": model_name,
            "policy": result.policy.model_dump(),
            "n": result.n_candidates,
            "seed": result.seed,
            "rho": result.rho,
            "computed_by": "assessment.delivery.simulation.simulate_cat",
        },
        "reliability": {d.competency: round(d.reliability, 4) for d in result.details},
        "fixed_reliability": {d.competency: round(d.fixed_reliability, 4) for d in result.details},
        "rmse_over_se": {d.competency: round(d.rmse_over_se, 4) for d in result.details},
        "composite_reliability": round(composite_figures["reliability"], 4),
        "mean_items": round(result.mean_items, 3),
        "mean_items_se": round(result.mean_items_se, 3),
        "norms": _form_norms(result, result.adaptive, "adaptive test"),
        "estimate_correlation": _estimate_correlation(result, result.adaptive),
        "fixed_norms": _form_norms(result, result.fixed, "fixed form"),
        "fixed_estimate_correlation": _estimate_correlation(result, result.fixed),
    }


SIMULATION_SECTION_KEYS = (
    "reliability",
    "fixed_reliability",
    "composite_reliability",
    "rmse_over_se",
    "mean_items",
    "provenance",
)
"""The figures of a simulation record a model version's ``simulation`` section keeps."""


def simulation_section(record: Mapping[str, Any], synthetic: bool) -> dict[str, Any]:
    """A model version's ``simulation`` section (JSON form) from a simulation record
    (``simulation_record``): its reliabilities, RMSE / SE, mean length and provenance (a
    record written before ``fixed_reliability`` has none), and whether the simulated
    candidates answered a ``synthetic`` model."""
    section = {key: record[key] for key in SIMULATION_SECTION_KEYS if key in record}
    return {**section, "synthetic": synthetic}


def simulate_delivered(
    bank: ItemBank, model: ModelParameters, n: int, seed: int, policy: CATPolicy | None = None
) -> CatSimulationResult:
    """``simulate_cat`` of the test as delivered under ``model``: delivery's policy (default
    ``CATPolicy()``, as ``Delivery`` has), its Sympson–Hetter parameters
    (``delivered_exposure_parameters``) and the packaged fixed form, with the simulated
    candidates' competencies correlated as the model's latent correlation says."""
    policy = policy or CATPolicy()
    return simulate_cat(
        bank,
        model,
        policy,
        n=n,
        seed=seed,
        correlation=None,
        exposure_parameters=delivered_exposure_parameters(policy),
    )


def _form_norms(result: CatSimulationResult, outcome: Outcome, form: str) -> dict[str, Any]:
    """Norm tables of one form's estimates of the simulated candidates (JSON form)."""
    group = f"simulated candidates taking the {form} (n={result.n_candidates})"
    return {
        name: NormTable.from_estimates(outcome.theta[:, c], group).to_dict()
        for c, name in enumerate(result.competencies)
    }


def _estimate_correlation(result: CatSimulationResult, outcome: Outcome) -> dict[str, Any]:
    """Correlation of one form's estimates (rows in the pool's competency order)."""
    return {
        "dimensions": list(result.competencies),
        "rows": np.round(np.corrcoef(outcome.theta, rowvar=False), 6).tolist(),
    }


def write_simulation_record(record: Mapping[str, Any], path: str | Path | None = None) -> Path:
    """Write a simulation record as JSON (default: the shipped file)."""
    file = Path(path) if path is not None else SIMULATION_FILE
    file.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return file


def load_simulation_record(path: str | Path | None = None) -> dict[str, Any] | None:
    """The simulation record (default: the shipped one), or None when there is none."""
    file = Path(path) if path is not None else SIMULATION_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def composite_band(t: FloatArray) -> NDArray[np.str_]:
    """Recommendation band of composite T-scores by the default role's cut scores:
    ``recommended`` at or above ``RECOMMEND_AT``, ``with_care`` at or above ``CARE_AT``,
    else ``not_a_match`` (the simulation's yardstick; the report adds floors and intervals)."""
    t = np.asarray(t, dtype=float)
    return np.where(
        t >= RECOMMEND_AT, "recommended", np.where(t >= CARE_AT, "with_care", "not_a_match")
    )


def run_sessions(
    engine: AdaptiveEngine,
    answers: SimulatedAnswers,
    rng: np.random.Generator,
    prefix: str = "sim",
) -> Outcome:
    """Run the engine for every simulated candidate on their pre-drawn answers.

    Session ids are ``<prefix>-<n>``; they seed the Sympson–Hetter lottery, so use a new
    prefix for every independent replication.
    """
    pool = engine.pool
    n_candidates = answers.theta.shape[0]
    n_dims = len(pool.competencies)
    seen = np.zeros((n_candidates, pool.n_items), dtype=bool)
    considered = np.zeros_like(seen)
    theta, se = np.zeros((n_candidates, n_dims)), np.zeros((n_candidates, n_dims))
    covariance = np.zeros((n_candidates, n_dims, n_dims))
    n_items = np.zeros((n_candidates, n_dims), dtype=np.int64)
    reasons = []
    for n in range(n_candidates):
        session = CandidateSession(f"{prefix}-{n + 1}", form=engine.policy.form)
        while (selection := engine.select(session, rng)).item_id is not None:
            j = pool.index(selection.item_id)
            seen[n, j] = True
            considered[n, [pool.index(item_id) for item_id in selection.considered]] = True
            session = session.with_response(answers.response(pool, n, j))
        final = engine.final_estimate(session)
        theta[n] = [final.theta[c] for c in pool.competencies]
        se[n] = [final.se[c] for c in pool.competencies]
        n_items[n] = [final.n_items[c] for c in pool.competencies]
        covariance[n] = final.covariance
        reasons.append(final.stop_reason)
    return Outcome(theta, se, covariance, n_items, seen, considered, tuple(reasons))


def sympson_hetter_parameters(
    bank: ItemBank,
    model: ModelParameters,
    policy: CATPolicy,
    n: int = 2000,
    seed: int = 0,
    n_rounds: int = 10,
    fixed_form: Sequence[str] | None = None,
) -> dict[str, float]:
    """Sympson–Hetter control parameters ``K_j`` found by iterated simulation.

    Every ``K_j`` starts at ``r = policy.exposure_target``, so that no item starts above the
    target; each round then simulates ``n`` new candidates with the current parameters and sets
    ``K_j = min(1, r / P(S_j))``, where ``P(S_j)`` is the share of candidates for whom item j was
    selected (looked at by the lottery). Starting low converges in a few rounds; starting at
    ``K_j = 1`` walks down the ranking one layer of items per round.

    Notes
    -----
    ``r`` is set below ``policy.max_exposure`` because an observed exposure rate is a binomial
    share: with 1000 candidates and dozens of items near ``r`` the largest observed rate lies
    about 0.03 above ``r``. When a candidate has passed over every remaining item of a
    competency one of them is given after all (see ``AdaptiveEngine``), which can push an item
    slightly past ``r``; check what was reached with ``simulate_cat``.

    References
    ----------
    Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in computerized
    adaptive testing. Proceedings of the 27th Annual Meeting of the Military Testing
    Association (pp. 973–977).
    """
    pool = ItemPool.build(bank, model, policy, fixed_form)
    sh_policy = policy.model_copy(update={"exposure_control": "sympson_hetter"})
    target = policy.exposure_target
    control = dict.fromkeys(pool.item_ids, target)
    for round_ in range(n_rounds):
        rng = np.random.default_rng([seed, round_])
        answers = draw_answers(pool, model, n, rng, None)
        engine = AdaptiveEngine(pool, sh_policy, control)
        run = run_sessions(engine, answers, rng, prefix=f"sh-{seed}-{round_}")
        selected = run.considered.mean(axis=0)
        control = {
            item_id: float(min(1.0, target / max(p, 1e-12)))
            for item_id, p in zip(pool.item_ids, selected, strict=True)
        }
    return control


def simulate_cat(
    bank: ItemBank,
    model: ModelParameters,
    policy: CATPolicy | None = None,
    n: int = 1000,
    seed: int = 0,
    correlation: float | None = 0.5,
    exposure_parameters: Mapping[str, float] | None = None,
    fixed_form: Sequence[str] | None = None,
) -> CatSimulationResult:
    """Compare the adaptive test with the fixed form on the same simulated candidates.

    Parameters
    ----------
    bank : ItemBank
    model : ModelParameters
        Generating model, also used by the engine (holds every bank item); its latent
        correlation is the engine's prior.
    policy : CATPolicy, optional
        Adaptive policy (default ``CATPolicy()``); the fixed form uses the same grid.
    n : int
        Number of simulated candidates.
    seed : int
    correlation : float or None
        Correlation between the true thetas of any two competencies (None: the model's).
    exposure_parameters : mapping of str to float, optional
        Sympson–Hetter ``K_j``, required when the policy uses Sympson–Hetter (delivery passes
        the shipped ones, ``assessment.delivery.exposure.load_exposure_parameters``).
    fixed_form : sequence of str, optional
        Item ids of the fixed form (default: the packaged form, ``items/forms.yaml``).
    """
    policy = policy or CATPolicy()
    if n < 2:
        raise ValueError(f"n must be at least 2 to compute correlations, got {n}")
    pool = ItemPool.build(bank, model, policy, fixed_form)
    answer_rng, adaptive_rng, fixed_rng = np.random.default_rng(seed).spawn(3)
    answers = draw_answers(pool, model, n, answer_rng, correlation)
    engine = AdaptiveEngine(pool, policy, exposure_parameters)
    adaptive = run_sessions(engine, answers, adaptive_rng, prefix=f"sim-{seed}")
    fixed_policy = policy.model_copy(update={"form": "fixed"})
    fixed = run_sessions(AdaptiveEngine(pool, fixed_policy), answers, fixed_rng, f"sim-{seed}")
    details = tuple(
        _competency(name, answers.theta[:, c], adaptive, fixed, c)
        for c, name in enumerate(pool.competencies)
    )
    return CatSimulationResult(
        policy=policy,
        n_candidates=n,
        seed=seed,
        rho=correlation,
        competencies=pool.competencies,
        true_theta=answers.theta,
        correlation=pool.prior.correlation,
        adaptive=adaptive,
        fixed=fixed,
        item_ids=pool.item_ids,
        details=details,
    )


def _competency(
    name: str, truth: FloatArray, adaptive: Outcome, fixed: Outcome, c: int
) -> CompetencySimulation:
    r, fixed_r = _r(adaptive.theta[:, c], truth), _r(fixed.theta[:, c], truth)
    return CompetencySimulation(
        competency=name,
        reliability=r**2,
        fixed_reliability=fixed_r**2,
        theta_r=r,
        fixed_theta_r=fixed_r,
        rmse=_rms(adaptive.theta[:, c] - truth),
        fixed_rmse=_rms(fixed.theta[:, c] - truth),
        rms_se=_rms(adaptive.se[:, c]),
        fixed_rms_se=_rms(fixed.se[:, c]),
        mean_se=float(np.mean(adaptive.se[:, c])),
        mean_items=float(np.mean(adaptive.n_items[:, c])),
        fixed_items=float(np.mean(fixed.n_items[:, c])),
    )


def _r(estimate: FloatArray, truth: FloatArray) -> float:
    return float(np.corrcoef(estimate, truth)[0, 1])


def _row_r(estimate: FloatArray, truth: FloatArray) -> FloatArray:
    """Correlation of ``estimate`` and ``truth`` in every row, shape (n_rows,)."""
    estimate = estimate - estimate.mean(axis=1, keepdims=True)
    truth = truth - truth.mean(axis=1, keepdims=True)
    products = np.sum(estimate * truth, axis=1)
    return products / np.sqrt(np.sum(estimate**2, axis=1) * np.sum(truth**2, axis=1))


def _rms(values: FloatArray) -> float:
    return float(np.sqrt(np.mean(np.asarray(values) ** 2)))
