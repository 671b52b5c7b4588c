"""The candidate's test as a service: where selection, scoring, stopping and storage meet.

Pages call these methods and keep nothing of their own: the invitation token in the URL plus
the database is the whole state, so a reload, a new device or a server restart resumes at the
same item. The next item is chosen once and stored as *pending* before it is shown, which is
what makes resuming exact even though selection is randomised for exposure control.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.clock import utcnow
from assessment.delivery.consent import ConsentNotice
from assessment.delivery.engine import AdaptiveEngine, ItemPool
from assessment.delivery.exposure import delivered_exposure_parameters
from assessment.delivery.policy import CATPolicy
from assessment.delivery.quality import QualityFlags, QualityPolicy, quality_flags
from assessment.delivery.score_record import posterior_record, score_record
from assessment.delivery.throttle import TokenThrottle
from assessment.errors import AnsweredElsewhereError, AssessmentError, InvitationError
from assessment.persistence.audit import AuditLog
from assessment.persistence.journeys import FinishedSession, SessionClock
from assessment.persistence.store import (
    AnswerDecision,
    InvitationInfo,
    SessionRecord,
    Store,
    StoredModel,
)
from assessment.session_values import Response
from assessment.vocabulary import language_problem
from items import BestItem, ItemBank, MostLeastItem, load_bank

DEADLINE_GRACE = dt.timedelta(seconds=10)
"""An answer sent just before the deadline still counts if it arrives within this time."""


@dataclass(frozen=True)
class ItemView:
    """What the candidate page shows: the item and the position in the test."""

    item: BestItem | MostLeastItem
    number: int
    """1-based position of this item in the candidate's test."""
    count: QuestionCount


@dataclass(frozen=True)
class QuestionCount:
    """How many questions a session's test has: an exact number for the fixed form, the
    bounds the stop rules allow for an adaptive test (what the candidate is told)."""

    minimum: int
    maximum: int

    @property
    def exact(self) -> bool:
        return self.minimum == self.maximum


@dataclass(frozen=True)
class Progress:
    answered: int
    count: QuestionCount
    seconds_left: float | None


class Delivery:
    """Candidate-facing operations on the store with the active model's adaptive engine."""

    def __init__(
        self,
        store: Store,
        bank: ItemBank,
        model: StoredModel,
        adaptive: CATPolicy | None = None,
        quality: QualityPolicy | None = None,
        throttle: TokenThrottle | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.bank = bank
        self.model = model
        adaptive = adaptive or CATPolicy()
        self.pool = ItemPool.build(bank, model.parameters, adaptive)
        exposure = delivered_exposure_parameters(adaptive)
        self.engines = {
            "adaptive": AdaptiveEngine(self.pool, adaptive, exposure),
            "fixed": AdaptiveEngine(self.pool, adaptive.model_copy(update={"form": "fixed"})),
        }
        self.quality = quality or QualityPolicy()
        self.throttle = throttle or TokenThrottle()
        self._sleep = sleep
        self._waiting = threading.BoundedSemaphore(max(self.throttle.max_waiting, 1))

    @classmethod
    def from_store(cls, store: Store, bank: ItemBank | None = None) -> Delivery:
        """Build from the store's active model version (raises if there is none)."""
        model = store.active_model_document()
        if model is None:
            raise AssessmentError(
                "no active scoring model: run `sjt demo` or promote a model version"
            )
        return cls(store, bank or load_bank(), model)

    # ------------------------------------------------------------------ entry
    def open(self, token: str, client: str | None = None) -> InvitationInfo:
        """Validate an invitation token (raises ``InvitationError``).

        A valid token is answered at once, whatever ``client`` sent before. ``client``
        identifies the requester (its address, see ``assessment.access.proxies``): an unknown
        token is logged against it and answered only after the delay of ``self.throttle``,
        with reason ``throttled`` once a delay applies (``unknown`` before).
        """
        try:
            return self.store.resolve_token(token, client=client)
        except InvitationError as error:
            if client is None or error.reason != "unknown":
                raise
            self._hold_back(client)
            raise

    def _hold_back(self, client: str) -> None:
        """Wait as the throttle says for an unknown token from ``client``; raise if throttled."""
        since = utcnow() - self.throttle.window
        log = AuditLog(self.store)
        delay = self.throttle.delay_s(
            log.count_recent("token.unknown", since, target=client, cap=self.throttle.client_cap),
            log.count_recent("token.unknown", since, cap=self.throttle.overall_cap),
        )
        if delay <= 0:
            return
        if self.throttle.max_waiting and self._waiting.acquire(blocking=False):
            try:
                self._sleep(delay)
            finally:
                self._waiting.release()
        raise InvitationError("throttled")

    def start(self, invitation: InvitationInfo, language: str) -> str:
        """Create (or find) the session of an invitation; the language may be changed."""
        if problem := language_problem(language):
            raise AssessmentError(problem)
        seed = zlib.crc32(f"{invitation.invitation_id}".encode()) & 0x7FFFFFFF
        session_id = self.store.start_session(
            invitation, language, self.model.version_id, seed=None if seed == 0 else seed
        )
        self.store.update_session(session_id, language=language)
        return session_id

    def switch_language(self, session_id: str, language: str) -> bool:
        """Show the test in ``language`` from now on, at any step; False if it already was.

        Only the wording changes: the answers, the pending item and the time it was first
        shown (so its response time runs on and a switch is no answer), the deadline and the
        position are kept, and scoring never reads the language. A repeated switch (double
        click, second tab) changes nothing. The consent record keeps the notice as agreed to.
        Not an audit entry: like the first choice of language, consent and answers, what a
        candidate does in the test is kept with the session (the audit log holds staff actions
        and unknown links).
        """
        if problem := language_problem(language):
            raise AssessmentError(problem)
        return self.store.set_session_language(session_id, language)

    def record(self, session_id: str) -> SessionRecord:
        return self.store.load_session(session_id)

    def consent(self, session_id: str, notice: ConsentNotice | None = None) -> None:
        """Record the candidate's consent, with the notice exactly as shown when given."""
        if notice is None:  # programmatic sessions (demo, simulations) show no notice
            self.store.update_session(session_id, consent_at=utcnow())
            return
        self.store.record_consent(
            session_id,
            language=notice.language,
            employer=notice.employer,
            purpose=notice.purpose,
            retention_months=notice.retention_months,
            contact=notice.contact,
            notice=notice.text,
        )

    def finished(self, token: str) -> FinishedSession | None:
        """The completed session of a used link (for its thank-you page), else None."""
        return self.store.finished_session(token)

    def clock(self, session_id: str) -> SessionClock:
        """The deadline of a session and whether it is over, for the live countdown."""
        return self.store.session_clock(session_id)

    def practice_done(self, session_id: str, now: dt.datetime | None = None) -> None:
        """End the instructions; a time limit starts counting now, not at the language page."""
        record = self.store.load_session(session_id)
        if record.practice_done:
            return
        values: dict[str, Any] = {"practice_done": True}
        if record.deadline_at is not None:
            values["deadline_at"] = (now or utcnow()) + (record.deadline_at - record.started_at)
        self.store.update_session(session_id, **values)

    def time_limit_minutes(self, session_id: str) -> float | None:
        """The candidate's whole time (extra time included) in minutes, None if untimed.

        For the instructions page: valid until ``practice_done`` restarts the clock.
        """
        record = self.store.load_session(session_id)
        if record.deadline_at is None:
            return None
        return (record.deadline_at - record.started_at).total_seconds() / 60

    # ------------------------------------------------------------------ items
    def engine(self, record: SessionRecord) -> AdaptiveEngine:
        return self.engines[record.session.form]

    def question_count(self, session_id: str) -> QuestionCount:
        """How many questions the session's test has (its form's length or bounds)."""
        return self._question_count(self.store.load_session(session_id))

    def _question_count(self, record: SessionRecord) -> QuestionCount:
        policy = self.engine(record).policy
        if policy.form == "fixed":
            return QuestionCount(int(self.pool.fixed_order.size), int(self.pool.fixed_order.size))
        maximum = min(policy.max_items, self.pool.n_items)
        minimum = policy.min_items_per_competency * len(self.pool.competencies)
        return QuestionCount(min(minimum, maximum), maximum)

    def current_item(self, session_id: str, now: dt.datetime | None = None) -> ItemView | None:
        """The item to show now, choosing and storing it if none is pending; None when done.

        A session past its deadline, or whose stop rule has fired, is completed here.
        """
        now = now or utcnow()
        record = self.store.load_session(session_id)
        if record.session.completed:
            return None
        if record.deadline_at is not None and now >= record.deadline_at:
            self.finish(session_id)
            return None
        answered = len(record.session.responses)
        item_id = record.pending_item_id
        if item_id is None:
            engine = self.engine(record)
            rng = np.random.default_rng([record.rng_state, answered])
            item_id = engine.next_item(record.session, rng)
            if item_id is None:
                self.finish(session_id)
                return None
            self.store.update_session(session_id, pending_item_id=item_id, pending_shown_at=now)
        return ItemView(self.bank[item_id], answered + 1, self._question_count(record))

    def answer(
        self,
        session_id: str,
        item_id: str,
        most: str,
        least: str | None = None,
        now: dt.datetime | None = None,
    ) -> bool:
        """Record the answer to the pending item. Returns False for a repeat of the recorded
        answer (a double click).

        Raises ``AnsweredElsewhereError`` for a different answer to an item already answered
        (sent from a second window showing the same question): it is not recorded, and the
        page tells the candidate so. Raises ``AssessmentError`` for an answer to an item that
        was not offered, an invalid
        pick, a finished test, or an answer arriving more than ``DEADLINE_GRACE`` after the
        deadline (the test then ends with the answers given in time). The next item is
        chosen before the write, with no connection held, and the answer and the next pending
        item are written together in one short transaction, so the next page only reads.
        """
        now = now or utcnow()
        if item_id not in self.bank:
            raise AssessmentError(f"item {item_id} is not in the bank")
        item = self.bank[item_id]
        if problem := item.answer_problem(most, least):
            raise AssessmentError(problem)

        def decide(record: SessionRecord) -> AnswerDecision | None:
            for given in record.session.responses:
                if given.item_id == item_id:
                    if (given.most, given.least) != (most, least):
                        raise AnsweredElsewhereError(item_id)
                    return None
            if record.pending_item_id != item_id:
                raise AssessmentError(f"item {item_id} is not the item on screen")
            if record.deadline_at is not None and now > record.deadline_at + DEADLINE_GRACE:
                raise AssessmentError("the time limit has passed; this answer was not recorded")
            shown = record.pending_shown_at or now
            elapsed = max(0, int((now - shown).total_seconds() * 1000))
            response = Response(item_id, most, least, elapsed, now)
            answered = record.session.with_response(response)
            next_item = None
            if record.deadline_at is None or now < record.deadline_at:
                rng = np.random.default_rng([record.rng_state, len(answered.responses)])
                next_item = self.engine(record).next_item(answered, rng)
            return AnswerDecision(response, next_item)

        return self.store.append_response(session_id, decide)

    def progress(self, session_id: str, now: dt.datetime | None = None) -> Progress:
        now = now or utcnow()
        record = self.store.load_session(session_id)
        left = None
        if record.deadline_at is not None:
            left = max(0.0, (record.deadline_at - now).total_seconds())
        return Progress(len(record.session.responses), self._question_count(record), left)

    # ----------------------------------------------------------------- finish
    def finish(self, session_id: str) -> QualityFlags | None:
        """Score the session with the active model and mark it completed (idempotent)."""
        record = self.store.load_session(session_id)
        if record.session.completed:
            return None
        engine = self.engine(record)
        estimate = engine.final_estimate(record.session)
        incomplete = estimate.stop_reason == "incomplete"
        flags = quality_flags(
            self.bank, self.model.parameters, record.session.responses, incomplete, self.quality
        )
        scores = [
            score_record(self.model, competency, estimate.theta[competency],
                         estimate.se[competency], estimate.n_items[competency],
                         record.session.form)
            for competency in estimate.theta
        ]  # fmt: skip
        stored: dict[str, Any] = flags.stored()
        stored["stop_reason"] = estimate.stop_reason
        stored["posterior"] = posterior_record(
            list(estimate.theta), estimate.covariance, self.pool.prior.correlation,
            self.model.version_id,
        )  # fmt: skip
        self.store.complete_session(session_id, scores, stored)
        return flags
