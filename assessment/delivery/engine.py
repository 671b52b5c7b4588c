"""The adaptive engine: where item selection, interim scoring and stopping meet.

Pure Python and numpy. Everything that depends only on the bank and the model (log-probabilities
of every option and item information at the quadrature nodes) is computed once in an
``ItemPool``; per answer the engine only adds up table rows, normalises one posterior per
competency and takes a few dot products, so selection plus interim scoring costs well under a
millisecond.

Scoring follows ``items.scoring_map``: a ``best`` item is one scored item; a ``most_least`` item
is two scored items (``<id>.most`` and ``<id>.least``) that are conditionally independent given
theta, so both enter the likelihood and both add to the item's information.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from assessment.delivery.exposure import load_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.errors import AssessmentError, CATConfigurationError
from assessment.session_values import CandidateSession, Response
from items import COMPETENCIES, ItemBank
from items.forms import load_fixed_form
from items.scoring_map import LEAST_SUFFIX, MOST_SUFFIX
from scoring import ModelParameters, normal_quadrature

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
StopReason = Literal["incomplete", "se_target", "max_items", "bank_exhausted", "fixed_form"]


@dataclass(frozen=True)
class ItemPool:
    """Precomputed tables of a bank under a model, built once and shared by every session.

    Attributes
    ----------
    item_ids : tuple of str, length n_items
        Bank item ids in bank order.
    competencies : tuple of str, length n_competencies
        Competencies with at least one item, in the order of ``items.COMPETENCIES``.
    competency_idx : ndarray of int, shape (n_items,)
        Position of each item's competency in ``competencies``.
    option_ids : tuple of tuple of str
        Option ids of each item; the column order of the log-probability tables.
    nodes : ndarray, shape (n_quad,)
    log_prior : ndarray, shape (n_quad,)
        Log of the normalised prior weights at the nodes.
    log_prob_most : ndarray, shape (n_items, n_options, n_quad)
        log P(option picked as most effective | theta); for a ``best`` item its only pick.
    log_prob_least : ndarray, shape (n_items, n_options, n_quad)
        log P(option picked as least effective | theta); zeros for ``best`` items.
    info : ndarray, shape (n_items, n_quad)
        Fisher information of each bank item (sum over its scored items) at the nodes.
    fixed_order : ndarray of int, shape (n_fixed,)
        Item positions of the fixed form (``items/forms.yaml``) in presentation order:
        competencies in rotation, form order within each.
    """

    item_ids: tuple[str, ...]
    formats: tuple[str, ...]
    competencies: tuple[str, ...]
    competency_idx: IntArray
    option_ids: tuple[tuple[str, ...], ...]
    nodes: FloatArray
    log_prior: FloatArray
    log_prob_most: FloatArray
    log_prob_least: FloatArray
    info: FloatArray
    fixed_order: IntArray
    quadrature: tuple[int, float, float, float]
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({item_id: j for j, item_id in enumerate(self.item_ids)})

    @classmethod
    def build(
        cls,
        bank: ItemBank,
        model: ModelParameters,
        policy: CATPolicy | None = None,
        fixed_form: Sequence[str] | None = None,
    ) -> ItemPool:
        """Tabulate option log-probabilities and item information at the quadrature nodes.

        Parameters
        ----------
        bank : ItemBank
        model : ModelParameters
            Must hold every scored item of the bank (``items.scoring_map.item_specs``).
        policy : CATPolicy, optional
            Supplies the quadrature and prior (default ``CATPolicy()``).
        fixed_form : sequence of str, optional
            Item ids of the fixed form, presented with the competencies in rotation and in this
            order within each (default: the packaged form, ``items.forms.load_fixed_form``).

        Raises
        ------
        CATConfigurationError
            When a scored item of the bank is missing from the model or its options differ, or
            the fixed form names an item twice or one that is not in the bank.
        items.ItemBankError
            When no form is given and the packaged form does not fit the bank.
        """
        policy = policy or CATPolicy()
        form = tuple(fixed_form) if fixed_form is not None else load_fixed_form(bank)
        quad = normal_quadrature(*policy.quadrature)
        items = tuple(bank)
        if not items:
            raise CATConfigurationError("the item bank is empty")
        competencies = tuple(c for c in COMPETENCIES if any(i.competency == c for i in items))
        width = max(len(item.options) for item in items)
        shape = (len(items), width, quad.points.size)
        log_most, log_least = np.full(shape, -np.inf), np.zeros(shape)
        info = np.zeros((len(items), quad.points.size))
        columns = {item_id: j for j, item_id in enumerate(model.item_ids)}
        for j, item in enumerate(items):
            option_ids = tuple(option.id for option in item.options)
            for scored_id, table in _scored_parts(item.id, item.format, log_most, log_least):
                log_prob, item_info = _tabulate(model, columns, scored_id, option_ids, quad.points)
                table[j, : len(option_ids)] = log_prob
                info[j] += item_info
        competency_idx = np.array([competencies.index(i.competency) for i in items], np.int64)
        item_ids = tuple(item.id for item in items)
        return cls(
            item_ids=item_ids,
            formats=tuple(item.format for item in items),
            competencies=competencies,
            competency_idx=competency_idx,
            option_ids=tuple(tuple(o.id for o in item.options) for item in items),
            nodes=quad.points,
            log_prior=quad.log_weights,
            log_prob_most=log_most,
            log_prob_least=log_least,
            info=info,
            fixed_order=_interleaved_order(_form_positions(item_ids, form), competency_idx),
            quadrature=policy.quadrature,
        )

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def index(self, item_id: str) -> int:
        """Position of a bank item in the pool."""
        try:
            return self._index[item_id]
        except KeyError:
            raise AssessmentError(f"item {item_id} is not in the item pool") from None

    def response_indices(self, responses: Sequence[Response]) -> tuple[IntArray, ...]:
        """Item, most-option and least-option positions of responses, each shape (n,).

        The least position is 0 for ``best`` items (its table row is all zeros).
        """
        n = len(responses)
        item_idx = np.empty(n, np.int64)
        most_idx = np.empty(n, np.int64)
        least_idx = np.zeros(n, np.int64)
        for r, response in enumerate(responses):
            j = self.index(response.item_id)
            options = self.option_ids[j]
            item_idx[r] = j
            most_idx[r] = _option_position(options, response.most, response.item_id)
            if self.formats[j] == "most_least":
                if response.least is None:
                    raise AssessmentError(f"item {response.item_id}: the least pick is missing")
                least_idx[r] = _option_position(options, response.least, response.item_id)
            elif response.least is not None:
                raise AssessmentError(f"item {response.item_id}: a best item takes one pick")
        return item_idx, most_idx, least_idx


def _scored_parts(
    item_id: str, item_format: str, log_most: FloatArray, log_least: FloatArray
) -> tuple[tuple[str, FloatArray], ...]:
    """Scored item ids of a bank item with the table each one fills."""
    if item_format == "best":
        return ((item_id, log_most),)
    return ((item_id + MOST_SUFFIX, log_most), (item_id + LEAST_SUFFIX, log_least))


def _tabulate(
    model: ModelParameters,
    columns: Mapping[str, int],
    scored_id: str,
    option_ids: tuple[str, ...],
    nodes: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Log-probabilities (n_options, n_quad) in bank option order and information (n_quad,)."""
    if scored_id not in columns:
        raise CATConfigurationError(
            f"item {scored_id} has no parameters in the model; calibrate it or remove it from "
            "the bank"
        )
    item = model.items[columns[scored_id]]
    codes = [str(code) for code in item.spec.codes]
    if sorted(codes) != sorted(option_ids):
        raise CATConfigurationError(
            f"item {scored_id}: model categories {codes} do not match bank options "
            f"{list(option_ids)}"
        )
    params, scores = np.array([item.params]), np.array([item.spec.scores])
    prob = model.item_model.probabilities(params, scores, nodes)[0]  # (K, Q)
    info = model.item_model.information(params, scores, nodes)[0]  # (Q,)
    order = [codes.index(option_id) for option_id in option_ids]
    return np.log(np.maximum(prob[order], 1e-300)), info


def _option_position(options: tuple[str, ...], option_id: str, item_id: str) -> int:
    try:
        return options.index(option_id)
    except ValueError:
        raise AssessmentError(f"item {item_id}: unknown option {option_id!r}") from None


def _form_positions(item_ids: tuple[str, ...], form: tuple[str, ...]) -> list[int]:
    """Pool positions of the fixed form's items, in form order."""
    if not form:
        raise CATConfigurationError("the fixed form is empty")
    index = {item_id: j for j, item_id in enumerate(item_ids)}
    if unknown := [item_id for item_id in form if item_id not in index]:
        raise CATConfigurationError(f"fixed form items not in the bank: {', '.join(unknown)}")
    if len(set(form)) != len(form):
        raise CATConfigurationError("the fixed form lists an item more than once")
    return [index[item_id] for item_id in form]


def _interleaved_order(positions: Sequence[int], competency_idx: IntArray) -> IntArray:
    """Round-robin over competencies (form order within each), skipping exhausted ones.

    Returns
    -------
    ndarray of int, shape (len(positions),)
    """
    n_competencies = int(competency_idx.max()) + 1
    queues: list[list[int]] = [[] for _ in range(n_competencies)]
    for j in positions:
        queues[int(competency_idx[j])].append(int(j))
    order: list[int] = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return np.array(order, dtype=np.int64)


@dataclass(frozen=True)
class Posterior:
    """Posterior of theta on every competency after a session's responses.

    Attributes
    ----------
    weights : ndarray, shape (n_competencies, n_quad)
        Normalised posterior weights at the nodes.
    theta, se : ndarray, shape (n_competencies,)
        EAP estimate and posterior standard deviation.
    n_answered : ndarray of int, shape (n_competencies,)
    answered : ndarray of bool, shape (n_items,)
        Which pool items the session has answered.
    """

    weights: FloatArray
    theta: FloatArray
    se: FloatArray
    n_answered: IntArray
    answered: NDArray[np.bool_]


@dataclass(frozen=True)
class Selection:
    """The outcome of one selection step.

    Attributes
    ----------
    item_id : str or None
        Item to present next; ``None`` when the test should stop.
    competency : str or None
        Competency the item was chosen for.
    considered : tuple of str
        Items the exposure lottery looked at, best first (Sympson–Hetter bookkeeping).
    stop_reason : str
        ``incomplete`` while items are still given, else why the test stops.
    """

    item_id: str | None
    competency: str | None
    considered: tuple[str, ...]
    stop_reason: StopReason


@dataclass(frozen=True)
class CATEstimate:
    """Final EAP estimate per competency of one session.

    Attributes
    ----------
    theta, se : dict of str to float
    n_items : dict of str to int
    stop_reason : str
        Why the test ended (``incomplete`` when it was submitted before a stop rule fired).
    """

    theta: dict[str, float]
    se: dict[str, float]
    n_items: dict[str, int]
    stop_reason: StopReason


class AdaptiveEngine:
    """Content-balanced maximum-information CAT with EAP scoring and exposure control.

    Parameters
    ----------
    pool : ItemPool
        Built with the policy's quadrature (``n_quad``, ``quad_bound``, prior).
    policy : CATPolicy
    exposure_parameters : mapping of str to float, optional
        Sympson–Hetter control parameters ``K_j`` (probability that item j is administered
        when selected); items not listed have ``K_j = 1``. Used with
        ``exposure_control="sympson_hetter"``; by default the shipped parameters
        (``assessment/delivery/exposure.json``, see ``load_exposure_parameters``) of the pool's
        items.
        Compute new ones with ``assessment.delivery.simulation.sympson_hetter_parameters`` or
        ``sjt cat-sim --exposure-calibrate``.

    Notes
    -----
    Selection step: (1) while some competency is below ``min_items_per_competency`` the one
    with the fewest answers is chosen (ties by competency order), which interleaves the
    competencies; (2) afterwards the competency with the largest posterior SD above
    ``se_target``; (3) within it the unanswered item maximising the posterior-weighted
    information ``Σ_q π(θ_q | x) I_j(θ_q)`` (van der Linden, 1998), subject to exposure
    control. The test stops when every competency has its minimum and its SD is at most
    ``se_target`` (or has no items left), or at ``max_items``.

    Randomesque draws uniformly among the ``randomesque_n`` best items with the call's
    generator. Sympson–Hetter gives the best item with probability ``K_j``, else looks at the
    next; the lottery of an item is fixed per session (a uniform draw ``u_j`` from the session
    and item ids), so an item passed over stays passed over, and when every remaining item of
    the competency has been passed over the one closest to acceptance (smallest ``u_j / K_j``)
    is given, which favours the rarely exposed items with large ``K_j``.

    References
    ----------
    Kingsbury, G. G., & Zara, A. R. (1989). Procedures for selecting items for computerized
    adaptive tests. Applied Measurement in Education, 2, 359–375.
    Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in computerized
    adaptive testing. Proceedings of the 27th Annual Meeting of the Military Testing
    Association (pp. 973–977).
    van der Linden, W. J. (1998). Bayesian item selection criteria for adaptive testing.
    Psychometrika, 63, 201–216.
    """

    def __init__(
        self,
        pool: ItemPool,
        policy: CATPolicy,
        exposure_parameters: Mapping[str, float] | None = None,
    ) -> None:
        self.pool = pool
        self.policy = policy
        _check_fit(pool, policy)
        if (
            exposure_parameters is None
            and policy.form == "adaptive"
            and policy.exposure_control == "sympson_hetter"
        ):
            exposure_parameters = _shipped_parameters(pool)
        self.exposure_parameters = exposure_parameters
        self._control = _control_vector(pool, policy, exposure_parameters)

    def posterior(self, session: CandidateSession) -> Posterior:
        """Posterior on every competency from the session's responses."""
        pool = self.pool
        item_idx, most_idx, least_idx = pool.response_indices(session.responses)
        rows = pool.log_prob_most[item_idx, most_idx] + pool.log_prob_least[item_idx, least_idx]
        n_competencies = len(pool.competencies)
        membership = np.zeros((n_competencies, item_idx.size))
        membership[pool.competency_idx[item_idx], np.arange(item_idx.size)] = 1.0
        log_post = membership @ rows + pool.log_prior  # (C, Q)
        log_post -= log_post.max(axis=1, keepdims=True)
        weights = np.exp(log_post)
        weights /= weights.sum(axis=1, keepdims=True)
        theta = weights @ pool.nodes
        variance = np.maximum(weights @ pool.nodes**2 - theta**2, 0.0)
        answered = np.zeros(pool.n_items, dtype=bool)
        answered[item_idx] = True
        n_answered = np.bincount(pool.competency_idx[item_idx], minlength=n_competencies)
        return Posterior(weights, theta, np.sqrt(variance), n_answered, answered)

    def interim_estimate(self, session: CandidateSession) -> dict[str, tuple[float, float]]:
        """EAP ``(theta, se)`` per competency from the responses so far."""
        post = self.posterior(session)
        return {
            competency: (float(post.theta[c]), float(post.se[c]))
            for c, competency in enumerate(self.pool.competencies)
        }

    def select(self, session: CandidateSession, rng: np.random.Generator) -> Selection:
        """The next item with the competency it serves, or why the test stops."""
        self._check_form(session)
        post = self.posterior(session)
        if self.policy.form == "fixed":
            return self._select_fixed(post)
        reason = self._stop_reason(post)
        if reason != "incomplete":
            return Selection(None, None, (), reason)
        c = self._next_competency(post)
        ranked = self._rank_items(post, c)
        chosen, considered = self._apply_exposure_control(ranked, session.session_id, rng)
        ids = self.pool.item_ids
        return Selection(
            ids[chosen], self.pool.competencies[c], tuple(ids[j] for j in considered), reason
        )

    def next_item(self, session: CandidateSession, rng: np.random.Generator) -> str | None:
        """Id of the next item to present, or ``None`` when the test should stop."""
        return self.select(session, rng).item_id

    def is_finished(self, session: CandidateSession) -> bool:
        """Whether a stop rule has fired (or every item of the fixed form is answered)."""
        return self.stop_reason(session) != "incomplete"

    def stop_reason(self, session: CandidateSession) -> StopReason:
        """Why the test stops now, or ``incomplete``."""
        self._check_form(session)
        return self._stop_reason(self.posterior(session))

    def final_estimate(self, session: CandidateSession) -> CATEstimate:
        """EAP per competency with the number of items answered and the stop reason."""
        self._check_form(session)
        post = self.posterior(session)
        names = self.pool.competencies
        return CATEstimate(
            theta={name: float(post.theta[c]) for c, name in enumerate(names)},
            se={name: float(post.se[c]) for c, name in enumerate(names)},
            n_items={name: int(post.n_answered[c]) for c, name in enumerate(names)},
            stop_reason=self._stop_reason(post),
        )

    def _check_form(self, session: CandidateSession) -> None:
        if session.form != self.policy.form:
            raise AssessmentError(
                f"session {session.session_id} is a {session.form} test but the engine's "
                f"policy is {self.policy.form}"
            )

    def _select_fixed(self, post: Posterior) -> Selection:
        remaining = self.pool.fixed_order[~post.answered[self.pool.fixed_order]]
        if remaining.size == 0:
            return Selection(None, None, (), "fixed_form")
        j = int(remaining[0])
        competency = self.pool.competencies[self.pool.competency_idx[j]]
        return Selection(self.pool.item_ids[j], competency, (), "incomplete")

    def _available(self, post: Posterior) -> IntArray:
        """Unanswered items per competency, shape (n_competencies,)."""
        open_items = self.pool.competency_idx[~post.answered]
        return np.bincount(open_items, minlength=len(self.pool.competencies))

    def _stop_reason(self, post: Posterior) -> StopReason:
        if self.policy.form == "fixed":
            done = post.answered[self.pool.fixed_order].all()
            return "fixed_form" if done else "incomplete"
        if int(post.n_answered.sum()) >= self.policy.max_items:
            return "max_items"
        available = self._available(post)
        if not available.any():
            return "bank_exhausted"
        below_min = post.n_answered < self.policy.min_items_per_competency
        imprecise = post.se > self.policy.se_target
        if np.any((below_min | imprecise) & (available > 0)):
            return "incomplete"
        return "bank_exhausted" if np.any(imprecise | below_min) else "se_target"

    def _next_competency(self, post: Posterior) -> int:
        """Competency to serve next (assumes ``_stop_reason`` said ``incomplete``)."""
        available = self._available(post) > 0
        below_min = (post.n_answered < self.policy.min_items_per_competency) & available
        if below_min.any():
            counts = np.where(below_min, post.n_answered, np.iinfo(np.int64).max)
            return int(np.argmin(counts))
        open_se = np.where((post.se > self.policy.se_target) & available, post.se, -np.inf)
        return int(np.argmax(open_se))

    def _rank_items(self, post: Posterior, c: int) -> IntArray:
        """Unanswered items of competency ``c`` by posterior-weighted information, best first."""
        candidates = np.flatnonzero((self.pool.competency_idx == c) & ~post.answered)
        criterion = self.pool.info[candidates] @ post.weights[c]
        return candidates[np.argsort(-criterion, kind="stable")]

    def _apply_exposure_control(
        self, ranked: IntArray, session_id: str, rng: np.random.Generator
    ) -> tuple[int, IntArray]:
        """Chosen item and the items the selection looked at, best first."""
        control = self.policy.exposure_control
        if control == "randomesque":
            top = ranked[: self.policy.randomesque_n]
            return int(top[rng.integers(top.size)]), top
        if control == "sympson_hetter":
            draws = np.array([_lottery(session_id, self.pool.item_ids[j]) for j in ranked])
            ratio = draws / self._control[ranked]
            accepted = np.flatnonzero(ratio < 1.0)
            if accepted.size == 0:  # all passed over; give the one closest to acceptance
                return int(ranked[np.argmin(ratio)]), ranked
            return int(ranked[accepted[0]]), ranked[: accepted[0] + 1]
        return int(ranked[0]), ranked[:1]


def _lottery(session_id: str, item_id: str) -> float:
    """Uniform number in [0, 1) fixed for one session and item (the Sympson–Hetter draw).

    Drawing it from the ids rather than from the call's generator means an item passed over
    once stays passed over for that session, as Sympson and Hetter's procedure requires,
    without storing rejections in the session.
    """
    digest = hashlib.blake2b(f"{session_id}\x1f{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _check_fit(pool: ItemPool, policy: CATPolicy) -> None:
    if pool.quadrature != policy.quadrature:
        raise CATConfigurationError(
            f"the item pool was built with quadrature {pool.quadrature} but the policy asks for "
            f"{policy.quadrature}; build the pool with this policy"
        )
    needed = policy.min_items_per_competency * len(pool.competencies)
    if policy.form == "adaptive" and needed > policy.max_items:
        raise CATConfigurationError(
            f"{policy.min_items_per_competency} items for each of {len(pool.competencies)} "
            f"competencies need {needed} items, more than max_items={policy.max_items}"
        )


def _shipped_parameters(pool: ItemPool) -> dict[str, float]:
    """The shipped control parameters of the pool's items (items not listed get ``K_j = 1``)."""
    parameters, _ = load_exposure_parameters()
    in_pool = set(pool.item_ids)
    known = {item_id: k for item_id, k in parameters.items() if item_id in in_pool}
    if not known:
        raise CATConfigurationError(
            "Sympson–Hetter exposure control needs control parameters and the shipped ones "
            "cover none of this bank's items; compute them with `sjt cat-sim "
            "--exposure-calibrate` or assessment.delivery.simulation.sympson_hetter_parameters"
        )
    return known


def _control_vector(
    pool: ItemPool, policy: CATPolicy, exposure_parameters: Mapping[str, float] | None
) -> FloatArray:
    """Sympson–Hetter ``K_j`` per pool item, shape (n_items,)."""
    values = np.ones(pool.n_items)
    for item_id, value in (exposure_parameters or {}).items():
        if not 0.0 < value <= 1.0:
            raise CATConfigurationError(f"item {item_id}: control parameter {value} not in (0, 1]")
        values[pool.index(item_id)] = value
    return values
