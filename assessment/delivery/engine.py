"""The adaptive engine: where item selection, interim scoring and stopping meet.

Pure Python and numpy. Everything that depends only on the bank and the model (the
log-probability of every answer of every item and each item's information at the grid nodes)
is computed once in an ``ItemPool``; per answer the engine adds up table rows and computes the
multivariate posterior of all competencies together (expectation propagation, see
:mod:`scoring.multivariate`).

Scoring
-------
Competencies are correlated: the prior is the model's latent distribution ``N(0, R)``
(``latent_correlation`` of the model file; the identity when the file states none), so each
answer informs every competency, and a competency's SE is the root of its diagonal entry of the
posterior covariance. An answer is one response: a ``best`` item's pick, or a ``most_least``
item's ordered pair (most, least). When the model scores a ``most_least`` item with a joint
most/least model (``<base>_most_least``, :mod:`scoring.most_least`) the pair's probability is
that model's; an older model file with two parts (``<id>.most`` and ``<id>.least``) gives the
product of the parts' probabilities, the conditionally independent treatment it was
calibrated under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from assessment.delivery.exposure_control import ExposureControl, exposure_control
from assessment.delivery.policy import CATPolicy
from assessment.errors import AssessmentError, CATConfigurationError
from assessment.session_values import CandidateSession, Response
from items import COMPETENCIES, ItemBank
from items.formats import item_format
from items.forms import load_fixed_form
from scoring import ModelParameters
from scoring.arrays import FloatArray, IntArray
from scoring.composite import CompositeReference, composite
from scoring.most_least import is_joint
from scoring.multivariate import LatentPrior, expected_posterior_covariance, posterior_moments

StopReason = Literal["incomplete", "se_target", "max_items", "bank_exhausted", "fixed_form"]

POSTERIOR_CACHE = 4096
"""Posteriors kept per engine, keyed by the answers (selection and scoring reuse them)."""


@dataclass(frozen=True)
class ItemPool:
    """Precomputed tables of a bank under a model, built once and shared by every session.

    Attributes
    ----------
    item_ids : tuple of str, length n_items
        Bank item ids in bank order.
    formats : tuple of str
        ``best`` or ``most_least`` per item.
    competencies : tuple of str, length n_competencies
        Competencies with at least one item, in the order of ``items.COMPETENCIES``.
    competency_idx : ndarray of int, shape (n_items,)
        Position of each item's competency in ``competencies``.
    option_ids : tuple of tuple of str
        Option ids of each item in bank order.
    nodes : ndarray, shape (n_quad,)
        The grid carrying each competency's log-likelihood (``prior.grid``).
    prior : LatentPrior
        ``N(0, R)`` over ``competencies`` with the model's latent correlation.
    log_prob : ndarray, shape (n_items, n_categories, n_quad)
        log P(answer | θ) of every answer category: a ``best`` item's option position, a
        ``most_least`` item's pair category ``scoring.most_least.pair_category(most, least,
        K)`` of the option positions; ``-inf`` beyond an item's categories.
    info : ndarray, shape (n_items, n_quad)
        Fisher information of each bank item at the nodes.
    joint : ndarray of bool, shape (n_items,)
        Whether the model scores the item with a joint most/least model.
    fixed_order : ndarray of int, shape (n_fixed,)
        Item positions of the fixed form (``items/forms.yaml``) in presentation order:
        competencies in rotation, form order within each.
    quadrature : tuple of int and float
        ``(n_quad, quad_bound)`` the pool was built with.
    """

    item_ids: tuple[str, ...]
    formats: tuple[str, ...]
    competencies: tuple[str, ...]
    competency_idx: IntArray
    option_ids: tuple[tuple[str, ...], ...]
    nodes: FloatArray
    prior: LatentPrior
    log_prob: FloatArray
    info: FloatArray
    joint: NDArray[np.bool_]
    fixed_order: IntArray
    quadrature: tuple[int, float]
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
        correlation: FloatArray | None = None,
    ) -> ItemPool:
        """Tabulate answer log-probabilities and item information at the grid nodes.

        Parameters
        ----------
        bank : ItemBank
        model : ModelParameters
            Must hold every bank item: a ``best`` item by its id, a ``most_least`` item as one
            joint item ``<id>`` or as two parts ``<id>.most`` and ``<id>.least``.
        policy : CATPolicy, optional
            Supplies the grid (default ``CATPolicy()``).
        fixed_form : sequence of str, optional
            Item ids of the fixed form, presented with the competencies in rotation and in this
            order within each (default: the packaged form, ``items.forms.load_fixed_form``).
        correlation : array_like (D, D), optional
            Latent correlation of the model's dimensions (in ``model.dimensions`` order) to use
            instead of the model's, e.g. the identity for independent competencies.

        Raises
        ------
        CATConfigurationError
            When a bank item is missing from the model or its options differ, or the fixed
            form names an item twice or one that is not in the bank.
        items.ItemBankError
            When no form is given and the packaged form does not fit the bank.
        """
        policy = policy or CATPolicy()
        form = tuple(fixed_form) if fixed_form is not None else load_fixed_form(bank)
        items = tuple(bank)
        if not items:
            raise CATConfigurationError("the item bank is empty")
        competencies = tuple(c for c in COMPETENCIES if any(i.competency == c for i in items))
        prior = LatentPrior(
            _competency_correlation(model, competencies, correlation),
            n_grid=policy.n_quad,
            bound=policy.quad_bound,
        )
        nodes = prior.grid
        width = max(item.format_rules.n_categories(len(item.options)) for item in items)
        log_prob = np.full((len(items), width, nodes.size), -np.inf)
        info = np.zeros((len(items), nodes.size))
        joint = np.zeros(len(items), dtype=bool)
        columns = {item_id: j for j, item_id in enumerate(model.item_ids)}
        for j, item in enumerate(items):
            options = tuple(option.id for option in item.options)
            table, info[j], joint[j] = answer_table(
                model, columns, item.id, item.format, options, nodes
            )
            log_prob[j, : table.shape[0]] = table
        competency_idx = np.array([competencies.index(i.competency) for i in items], np.int64)
        item_ids = tuple(item.id for item in items)
        return cls(
            item_ids=item_ids,
            formats=tuple(item.format for item in items),
            competencies=competencies,
            competency_idx=competency_idx,
            option_ids=tuple(tuple(o.id for o in item.options) for item in items),
            nodes=nodes,
            prior=prior,
            log_prob=log_prob,
            info=info,
            joint=joint,
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

    def category(self, response: Response) -> tuple[int, int]:
        """Pool position of the response's item and its answer category."""
        j = self.index(response.item_id)
        options, rules = self.option_ids[j], item_format(self.formats[j])
        if problem := rules.answer_problem(
            response.item_id, options, response.most, response.least
        ):
            raise AssessmentError(problem)
        return j, rules.answer_category(options, response.most, response.least)

    def categories(self, responses: Sequence[Response]) -> tuple[IntArray, IntArray]:
        """Item positions and answer categories of responses, each shape (n,)."""
        pairs = [self.category(response) for response in responses]
        item_idx = np.array([p[0] for p in pairs], dtype=np.int64)
        category = np.array([p[1] for p in pairs], dtype=np.int64)
        return item_idx, category


def _competency_correlation(
    model: ModelParameters, competencies: tuple[str, ...], correlation: FloatArray | None
) -> FloatArray:
    """The correlation matrix of ``competencies`` from the model's (or the given) matrix."""
    missing = [c for c in competencies if c not in model.dimensions]
    if missing:
        raise CATConfigurationError(
            f"the model has no dimension {missing[0]!r}; it must cover every competency of the bank"
        )
    matrix = model.correlation if correlation is None else np.asarray(correlation, float)
    if matrix.shape != (len(model.dimensions),) * 2:
        raise CATConfigurationError(
            f"the correlation matrix must be {len(model.dimensions)} × {len(model.dimensions)}"
        )
    order = [model.dimensions.index(c) for c in competencies]
    return np.asarray(matrix[np.ix_(order, order)], dtype=np.float64)


def answer_table(
    model: ModelParameters,
    columns: Mapping[str, int],
    item_id: str,
    item_format_name: str,
    option_ids: tuple[str, ...],
    nodes: FloatArray,
) -> tuple[FloatArray, FloatArray, bool]:
    """Answer log-probabilities of one bank item under ``model`` at ``nodes``.

    Parameters
    ----------
    model : ModelParameters
    columns : mapping of str to int
        Model item id → position in ``model.items``.
    item_id, item_format_name, option_ids : str, str, tuple of str
        The bank item (``item_format_name`` names its rules in ``items.formats``).
    nodes : ndarray, shape (Q,)

    Returns
    -------
    log_prob : ndarray, shape (n_categories, Q)
        In answer-category order (``ItemPool.log_prob``); for an item calibrated as two parts
        the sum of the parts' log-probabilities (not renormalised over the pairs).
    info : ndarray, shape (Q,)
        Fisher information.
    joint : bool
        Whether the model scores the item with a joint most/least model.
    """
    rules = item_format(item_format_name)
    if item_id in columns:
        item_model = model.item_model_for(columns[item_id])
        if not rules.fits_one_column(is_joint(item_model)):
            raise CATConfigurationError(
                f"item {item_id} is a {rules.name} item but the model scores it with "
                f"{item_model.name}; calibrate it with a joint most/least model or as parts "
                f"({', '.join(rules.scored_ids(item_id))})"
            )
        codes = rules.answer_codes(option_ids)
        log_prob, info = _model_table(model, columns, item_id, codes, nodes)
        return log_prob, info, is_joint(item_model)
    parts = [
        _model_table(model, columns, scored_id, option_ids, nodes)
        for scored_id in rules.scored_ids(item_id)
    ]
    log_prob = rules.join_part_tables([table for table, _ in parts])
    return log_prob, np.sum([info for _, info in parts], axis=0), False


def _model_table(
    model: ModelParameters,
    columns: Mapping[str, int],
    scored_id: str,
    codes_wanted: tuple[str, ...],
    nodes: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """log P (len(codes_wanted), n_quad) in the wanted code order and information (n_quad,)."""
    if scored_id not in columns:
        raise CATConfigurationError(
            f"item {scored_id} has no parameters in the model; calibrate it or remove it from "
            "the bank"
        )
    column = columns[scored_id]
    item = model.items[column]
    item_model = model.item_model_for(column)
    codes = [str(code) for code in item.spec.codes]
    if sorted(codes) != sorted(codes_wanted):
        raise CATConfigurationError(
            f"item {scored_id}: model categories {codes[:6]} do not match the bank's "
            f"{list(codes_wanted)[:6]}"
        )
    params, scores = np.array([item.params]), np.array([item.spec.scores])
    log_prob = item_model.log_probabilities(params, scores, nodes)[0]  # (C, Q)
    info = item_model.information(params, scores, nodes)[0]  # (Q,)
    order = [codes.index(code) for code in codes_wanted]
    return np.maximum(log_prob[order], np.log(1e-300)), info


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
    """Posterior of all competencies after a session's responses.

    Attributes
    ----------
    mean : ndarray, shape (n_competencies,)
        Multivariate EAP estimate.
    covariance : ndarray, shape (n_competencies, n_competencies)
        Posterior covariance.
    n_answered : ndarray of int, shape (n_competencies,)
    answered : ndarray of bool, shape (n_items,)
        Which pool items the session has answered.
    """

    mean: FloatArray
    covariance: FloatArray
    n_answered: IntArray
    answered: NDArray[np.bool_]

    @property
    def theta(self) -> FloatArray:
        """The EAP estimates, shape (n_competencies,)."""
        return self.mean

    @property
    def se(self) -> FloatArray:
        """Posterior SDs, shape (n_competencies,)."""
        return np.sqrt(np.maximum(np.diag(self.covariance), 0.0))


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
        Items the exposure control looked at, best first (Sympson–Hetter bookkeeping).
    stop_reason : str
        ``incomplete`` while items are still given, else why the test stops.
    """

    item_id: str | None
    competency: str | None
    considered: tuple[str, ...]
    stop_reason: StopReason


@dataclass(frozen=True)
class CATEstimate:
    """Final multivariate EAP estimate of one session.

    Attributes
    ----------
    theta, se : dict of str to float
        Posterior mean and SD per competency.
    n_items : dict of str to int
    stop_reason : str
        Why the test ended (``incomplete`` when it was submitted before a stop rule fired).
    covariance : ndarray, shape (n_competencies, n_competencies)
        Posterior covariance, rows and columns in the order of ``theta``'s keys.
    """

    theta: dict[str, float]
    se: dict[str, float]
    n_items: dict[str, int]
    stop_reason: StopReason
    covariance: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))


class Selector(Protocol):
    """How the next item is chosen and when the test stops."""

    def stop_reason(self, post: Posterior) -> StopReason: ...

    def select(self, post: Posterior, session_id: str, rng: np.random.Generator) -> Selection: ...


class FixedFormSelector:
    """The fixed form (``ItemPool.fixed_order``) once, in its content-interleaved order."""

    def __init__(self, pool: ItemPool) -> None:
        self.pool = pool

    def stop_reason(self, post: Posterior) -> StopReason:
        return "fixed_form" if post.answered[self.pool.fixed_order].all() else "incomplete"

    def select(self, post: Posterior, session_id: str, rng: np.random.Generator) -> Selection:
        remaining = self.pool.fixed_order[~post.answered[self.pool.fixed_order]]
        if remaining.size == 0:
            return Selection(None, None, (), "fixed_form")
        j = int(remaining[0])
        competency = self.pool.competencies[self.pool.competency_idx[j]]
        return Selection(self.pool.item_ids[j], competency, (), "incomplete")


class AdaptiveSelector:
    """Content-balanced minimum-expected-posterior-variance selection with exposure control.

    Notes
    -----
    Selection step: (1) while some competency is below ``min_items_per_competency`` the one
    with the fewest answers is chosen (ties by competency order), which interleaves the
    competencies; (2) afterwards the competency with the largest posterior SD above
    ``se_target`` (any competency while the composite's SE is above
    ``composite_se_target``); (3) within it the unanswered items are ranked by the expected
    posterior variance of that competency after the item (van der Linden, 1998), averaged over the
    item's answers with their predictive probabilities under the current multivariate
    posterior (:func:`scoring.multivariate.expected_posterior_covariance`). An item of
    competency c updates the posterior covariance by a rank-one step along its column c, so
    every competency's variance shrinks by the same factor: the ranking is also that of the
    expected reduction of every correlated competency's variance and of the determinant of
    the posterior covariance (Bayesian D-optimality; Segall, 1996). (4) The exposure control
    chooses among the ranked items. The test stops when every competency has its minimum and
    its posterior SD is at most ``se_target`` (or has no items left) and the composite's SE
    (:mod:`scoring.composite`, T scale) is at most ``composite_se_target``, or at
    ``max_items``.

    References
    ----------
    van der Linden, W. J. (1998). Bayesian item selection criteria for adaptive testing.
    Psychometrika, 63, 201–216.
    Segall, D. O. (1996). Multidimensional adaptive testing. Psychometrika, 61, 331–354.
    Kingsbury, G. G., & Zara, A. R. (1989). Procedures for selecting items for computerized
    adaptive tests. Applied Measurement in Education, 2, 359–375.
    """

    def __init__(self, pool: ItemPool, policy: CATPolicy, exposure: ExposureControl) -> None:
        self.pool = pool
        self.policy = policy
        self.exposure = exposure

    def _available(self, post: Posterior) -> IntArray:
        """Unanswered items per competency, shape (n_competencies,)."""
        open_items = self.pool.competency_idx[~post.answered]
        return np.bincount(open_items, minlength=len(self.pool.competencies))

    def _imprecise(self, post: Posterior) -> NDArray[np.bool_]:
        """Competencies that still need items for precision, shape (n_competencies,).

        Those above ``se_target``; while the composite's SE is above
        ``composite_se_target``, every competency.
        """
        imprecise = post.se > self.policy.se_target
        target = self.policy.composite_se_target
        if target is not None:
            latent = CompositeReference.latent(self.pool.prior.correlation)
            found = composite(post.mean, post.covariance, latent)
            if float(found.se) > target:
                imprecise = np.ones_like(imprecise)
        return np.asarray(imprecise, dtype=bool)

    def stop_reason(self, post: Posterior) -> StopReason:
        if int(post.n_answered.sum()) >= self.policy.max_items:
            return "max_items"
        available = self._available(post)
        if not available.any():
            return "bank_exhausted"
        below_min = post.n_answered < self.policy.min_items_per_competency
        imprecise = self._imprecise(post)
        if np.any((below_min | imprecise) & (available > 0)):
            return "incomplete"
        return "bank_exhausted" if np.any(imprecise | below_min) else "se_target"

    def select(self, post: Posterior, session_id: str, rng: np.random.Generator) -> Selection:
        reason = self.stop_reason(post)
        if reason != "incomplete":
            return Selection(None, None, (), reason)
        c = self._next_competency(post)
        ranked = self.rank_items(post, c)
        ids = self.pool.item_ids
        chosen, considered = self.exposure.choose(ranked, ids, session_id, rng)
        return Selection(
            ids[chosen], self.pool.competencies[c], tuple(ids[j] for j in considered), reason
        )

    def _next_competency(self, post: Posterior) -> int:
        """Competency to serve next (assumes ``stop_reason`` said ``incomplete``)."""
        available = self._available(post) > 0
        below_min = (post.n_answered < self.policy.min_items_per_competency) & available
        if below_min.any():
            counts = np.where(below_min, post.n_answered, np.iinfo(np.int64).max)
            return int(np.argmin(counts))
        open_se = np.where(self._imprecise(post) & available, post.se, -np.inf)
        return int(np.argmax(open_se))

    def rank_items(self, post: Posterior, c: int) -> IntArray:
        """Unanswered items of competency ``c`` by expected posterior variance, best first."""
        pool = self.pool
        candidates = np.flatnonzero((pool.competency_idx == c) & ~post.answered)
        expected = expected_posterior_covariance(
            post.mean, post.covariance, c, pool.log_prob[candidates], pool.prior
        )
        return candidates[np.argsort(expected[:, c, c], kind="stable")]


class AdaptiveEngine:
    """Scores a session under the multivariate prior and asks its selector for the next item.

    Parameters
    ----------
    pool : ItemPool
        Built with the policy's grid (``n_quad``, ``quad_bound``).
    policy : CATPolicy
        ``form="adaptive"`` uses an :class:`AdaptiveSelector`, ``form="fixed"`` a
        :class:`FixedFormSelector`.
    exposure_parameters : mapping of str to float, optional
        Sympson–Hetter control parameters ``K_j`` (probability that item j is administered
        when selected; items not listed have ``K_j = 1``). Required with
        ``exposure_control="sympson_hetter"`` for the adaptive form; read the shipped ones
        with ``assessment.delivery.exposure.load_exposure_parameters`` and compute new ones
        with ``sjt cat-sim --exposure-calibrate``.

    Notes
    -----
    Interim and final scores are the multivariate EAP under ``N(0, R)`` (module docstring):
    the mean and covariance of the posterior by expectation propagation on the pool's grid
    (:func:`scoring.multivariate.posterior_moments`); SEs are posterior SDs.

    References
    ----------
    Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a
    microcomputer environment. Applied Psychological Measurement, 6, 431–444.
    Segall, D. O. (1996). Multidimensional adaptive testing. Psychometrika, 61, 331–354.
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
        self.exposure_parameters = exposure_parameters
        self.selector: Selector
        if policy.form == "fixed":
            self.selector = FixedFormSelector(pool)
        else:
            control = exposure_control(policy, exposure_parameters, pool.item_ids)
            self.selector = AdaptiveSelector(pool, policy, control)
        self._cache: dict[tuple[tuple[int, int], ...], Posterior] = {}

    def posterior(self, session: CandidateSession) -> Posterior:
        """Multivariate posterior of every competency from the session's responses."""
        item_idx, category = self.pool.categories(session.responses)
        key = tuple(zip(item_idx.tolist(), category.tolist(), strict=True))
        found = self._cache.get(key)
        if found is None:
            found = self._posterior(item_idx, category)
            if len(self._cache) >= POSTERIOR_CACHE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = found
        return found

    def _posterior(self, item_idx: IntArray, category: IntArray) -> Posterior:
        pool = self.pool
        n_competencies = len(pool.competencies)
        loglik = np.zeros((n_competencies, pool.nodes.size))
        np.add.at(loglik, pool.competency_idx[item_idx], pool.log_prob[item_idx, category])
        moments = posterior_moments(loglik[None], pool.prior)
        answered = np.zeros(pool.n_items, dtype=bool)
        answered[item_idx] = True
        n_answered = np.bincount(pool.competency_idx[item_idx], minlength=n_competencies)
        return Posterior(moments.mean[0], moments.covariance[0], n_answered, answered)

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
        return self.selector.select(self.posterior(session), session.session_id, rng)

    def next_item(self, session: CandidateSession, rng: np.random.Generator) -> str | None:
        """Id of the next item to present, or ``None`` when the test should stop."""
        return self.select(session, rng).item_id

    def is_finished(self, session: CandidateSession) -> bool:
        """Whether a stop rule has fired (or every item of the fixed form is answered)."""
        return self.stop_reason(session) != "incomplete"

    def stop_reason(self, session: CandidateSession) -> StopReason:
        """Why the test stops now, or ``incomplete``."""
        self._check_form(session)
        return self.selector.stop_reason(self.posterior(session))

    def final_estimate(self, session: CandidateSession) -> CATEstimate:
        """Multivariate EAP with posterior covariance, items answered and the stop reason."""
        self._check_form(session)
        post = self.posterior(session)
        names = self.pool.competencies
        return CATEstimate(
            theta={name: float(post.theta[c]) for c, name in enumerate(names)},
            se={name: float(post.se[c]) for c, name in enumerate(names)},
            n_items={name: int(post.n_answered[c]) for c, name in enumerate(names)},
            stop_reason=self.selector.stop_reason(post),
            covariance=post.covariance.copy(),
        )

    def _check_form(self, session: CandidateSession) -> None:
        if session.form != self.policy.form:
            raise AssessmentError(
                f"session {session.session_id} is a {session.form} test but the engine's "
                f"policy is {self.policy.form}"
            )


def _check_fit(pool: ItemPool, policy: CATPolicy) -> None:
    if pool.quadrature != policy.quadrature:
        raise CATConfigurationError(
            f"the item pool was built with grid {pool.quadrature} but the policy asks for "
            f"{policy.quadrature}; build the pool with this policy"
        )
    needed = policy.min_items_per_competency * len(pool.competencies)
    if policy.form == "adaptive" and needed > policy.max_items:
        raise CATConfigurationError(
            f"{policy.min_items_per_competency} items for each of {len(pool.competencies)} "
            f"competencies need {needed} items, more than max_items={policy.max_items}"
        )
