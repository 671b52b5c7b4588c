"""The store: every read and write of delivery data goes through here.

Each public method is one short transaction, and none holds a connection while the caller's
CPU work (scoring, item selection) runs. Answers are committed before the method returns,
so the next item is shown only after the previous answer is durable; repeated submits of the
same answer are recognised and recorded once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assessment.clock import utcnow
from assessment.errors import AssessmentError, ConstraintError, InvitationError
from assessment.model_document import ModelDocument
from assessment.persistence.db import make_engine, upgrade
from assessment.persistence.failures import database_errors
from assessment.persistence.journeys import JourneyQueries
from assessment.persistence.mail_tables import InvitationToken
from assessment.persistence.records import record_from
from assessment.persistence.tables import (
    AuditEntry,
    Base,
    Candidate,
    Invitation,
    ModelVersion,
    ResponseRow,
    Score,
    TestSession,
)
from assessment.session_values import CandidateSession, Response
from assessment.vocabulary import form_problem, language_problem
from scoring import ModelParameters
from scoring.norms import NormTable

TOKEN_BYTES = 24  # 192 bits of entropy
MAX_VALID_DAYS = 3650
"""Longest validity of an invitation (ten years)."""


def hash_token(token: str) -> str:
    """SHA-256 of an invitation token; tokens are random, so a fast hash is appropriate."""
    # surrogatepass: any Python string hashes (a lone surrogate simply matches nothing)
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def new_id(prefix: str, n_bytes: int = 5) -> str:
    return f"{prefix}{secrets.token_hex(n_bytes).upper()}"


@dataclass(frozen=True)
class InvitationInfo:
    """What the candidate pages need to know about a valid invitation."""

    invitation_id: int
    candidate_id: str
    language: str
    form: str
    time_limit_minutes: int | None
    time_multiplier: float
    expires_at: dt.datetime
    session_id: str | None
    completed: bool


@dataclass(frozen=True)
class CompletedSessionState:
    """What a completed session records besides its answers and scores."""

    form: str
    """The form it took (adaptive or fixed)."""
    flags: dict[str, Any]
    """Its stored flags (data-quality checks, stop reason, posterior)."""
    synthetic: bool = False
    """Whether it is a synthetic demo candidate's."""


@dataclass(frozen=True)
class SessionRecord:
    """A session as stored: the immutable session value plus delivery bookkeeping."""

    session: CandidateSession
    candidate_id: str
    status: str
    pending_item_id: str | None
    pending_shown_at: dt.datetime | None
    consent_at: dt.datetime | None
    practice_done: bool
    deadline_at: dt.datetime | None
    started_at: dt.datetime
    completed_at: dt.datetime | None
    model_version_id: int | None
    flags: dict[str, Any] | None
    rng_state: int


@dataclass(frozen=True)
class AnswerDecision:
    """What to write for one submitted answer: the response and the next item (None: stop)."""

    response: Response
    next_item_id: str | None


@dataclass(frozen=True)
class ScoreRecord:
    competency: str
    theta: float
    se: float
    t_score: float | None
    percentile: float | None
    n_items: int
    model_version_id: int


@dataclass(frozen=True)
class StoredModel:
    """A stored model version: its id and label with the parsed, validated document."""

    version_id: int
    label: str
    document: ModelDocument

    @property
    def parameters(self) -> ModelParameters:
        return self.document.parameters

    @property
    def norms(self) -> dict[str, NormTable]:
        """Norm tables per dimension (empty without norms); a form's candidates are compared
        with ``norms_for(form)``."""
        return self.document.norm_tables

    def norms_for(self, form: str) -> dict[str, NormTable]:
        """The norm tables ``form``'s candidates are compared with (the form's own when the
        version has them, ``ModelDocument.form_reference``)."""
        return self.document.form_reference(form, self.document.dimensions).tables

    @property
    def reliability(self) -> dict[str, float]:
        return self.document.reliability


RowT = TypeVar("RowT", bound=Base)

ANSWER_ATTEMPTS = 5
"""How often an answer is decided again when its session changed before it was written."""

DOCUMENT_CACHE_SIZE = 16
"""Parsed model documents kept per store (versions are immutable, so never stale)."""


class Store(JourneyQueries):
    """Typed access to the database. Construct with ``Store.open(url)``.

    The queries of the candidate and recruiter journeys (settings, consent records, finished
    links) are in ``assessment.persistence.journeys``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._documents: dict[tuple[int, str], StoredModel] = {}

    @classmethod
    def open(cls, url: str | None = None, migrate: bool = True) -> Store:
        """Connect to ``url`` (or ``SJT_DATABASE_URL``) and bring the schema up to date."""
        with database_errors(url):
            engine = make_engine(url)
            if migrate:
                upgrade(engine)
        return cls(engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction; the driver's errors come out as ``DatabaseError`` or
        ``ConstraintError`` (``assessment.persistence.failures``)."""
        with database_errors(str(self.engine.url)), self._sessions.begin() as session:
            yield session

    def add_row(self, row: RowT) -> RowT:
        """Insert one row in its own transaction and return it, generated id and defaults set
        (readable after the commit); a refused row raises ``ConstraintError``."""
        with self.transaction() as db:
            db.add(row)
            db.flush()
        return row

    def count_rows(self, column: Any, *where: ColumnElement[bool]) -> int:
        """Rows with a non-null ``column`` that meet every condition in ``where``."""
        with self.transaction() as db:
            return int(db.scalar(select(func.count(column)).where(*where)) or 0)

    # ------------------------------------------------------------------ audit
    def audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.add_row(AuditEntry(actor=actor, action=action, target=target, detail=detail))

    def audit_entries(self, action: str | None = None, limit: int = 200) -> list[AuditEntry]:
        with self.transaction() as db:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if action is not None:
                query = query.where(AuditEntry.action == action)
            return list(db.scalars(query))

    # ------------------------------------------------------------- candidates
    def add_candidate(
        self,
        display_name: str | None = None,
        email: str | None = None,
        position: str | None = None,
        synthetic: bool = False,
        candidate_id: str | None = None,
    ) -> str:
        candidate_id = candidate_id or new_id("C")
        self.add_row(
            Candidate(
                id=candidate_id,
                display_name=display_name,
                email=email,
                position=position,
                synthetic=synthetic,
            )
        )
        return candidate_id

    def count_candidates(self, synthetic: bool | None = None) -> int:
        where = [] if synthetic is None else [Candidate.synthetic == synthetic]
        return self.count_rows(Candidate.id, *where)

    def candidate(self, candidate_id: str) -> Candidate | None:
        with self.transaction() as db:
            return db.get(Candidate, candidate_id)

    # ------------------------------------------------------------ invitations
    def create_invitation(
        self,
        candidate_id: str,
        language: str = "en",
        form: str = "adaptive",
        expires_in_days: float = 14,
        time_limit_minutes: int | None = None,
        time_multiplier: float = 1.0,
        created_by: str | None = None,
    ) -> tuple[int, str]:
        """Create an invitation; returns (invitation id, token). Only the hash is stored."""
        if problem := language_problem(language) or form_problem(form):
            raise AssessmentError(problem)
        if not 1.0 <= time_multiplier <= 4.0:
            raise AssessmentError("extra-time multiplier must be between 1.0 and 4.0")
        if not -MAX_VALID_DAYS <= expires_in_days <= MAX_VALID_DAYS:
            raise AssessmentError(
                f"an invitation is valid for at most {MAX_VALID_DAYS} days, got {expires_in_days}"
            )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        invitation = self.add_row(
            Invitation(
                candidate_id=candidate_id,
                token_hash=hash_token(token),
                language=language,
                form=form,
                time_limit_minutes=time_limit_minutes,
                time_multiplier=time_multiplier,
                expires_at=utcnow() + dt.timedelta(days=expires_in_days),
                created_by=created_by,
            )
        )
        return invitation.id, token

    def resolve_token(
        self, token: str, now: dt.datetime | None = None, client: str | None = None
    ) -> InvitationInfo:
        """Look up an invitation by its token; raises ``InvitationError`` if unusable.

        A valid token is always answered, whoever sends it. With ``client`` (the requester's
        address), an unknown token is written to the audit log (``token.unknown``, target the
        client) so that ``assessment.delivery.service.Delivery.open`` can slow down guessing.
        """
        try:
            return self._resolve_token(token, now or utcnow())
        except InvitationError as error:
            if client is not None and error.reason == "unknown":
                self.audit("anonymous", "token.unknown", client[:200], {"length": len(token)})
            raise

    def _resolve_token(self, token: str, now: dt.datetime) -> InvitationInfo:
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            raise InvitationError("unknown")
        with self.transaction() as db:
            invitation = invitation_for_token(db, token)
            if invitation is None:
                raise InvitationError("unknown")
            session = invitation.session
            completed = session is not None and session.status == "completed"
            if completed:
                raise InvitationError("used")
            if invitation.candidate.purged_at is not None:  # a purge closes every link
                raise InvitationError("expired")
            if invitation.expires_at <= now and session is None:
                raise InvitationError("expired")
            return record_from(
                InvitationInfo,
                invitation,
                invitation_id=invitation.id,
                session_id=session.id if session else None,
                completed=completed,
            )

    def session_id_for_token(self, token: str) -> str | None:
        """The session started from an invitation token, whatever its state (or None)."""
        with self.transaction() as db:
            invitation = invitation_for_token(db, token)
            session = invitation.session if invitation is not None else None
            return session.id if session is not None else None

    # --------------------------------------------------------------- sessions
    def start_session(
        self,
        invitation: InvitationInfo,
        language: str,
        model_version_id: int | None,
        seed: int | None = None,
    ) -> str:
        """Create the session of an invitation, or return the existing one (idempotent)."""
        existing = self._session_id_of(invitation.invitation_id)
        if existing is not None:
            return existing
        session_id = new_id("S", 12)
        now = utcnow()
        deadline = None
        if invitation.time_limit_minutes:
            minutes = invitation.time_limit_minutes * invitation.time_multiplier
            deadline = now + dt.timedelta(minutes=minutes)
        try:
            self.add_row(
                TestSession(
                    id=session_id,
                    invitation_id=invitation.invitation_id,
                    candidate_id=invitation.candidate_id,
                    form=invitation.form,
                    language=language,
                    status="started",
                    model_version_id=model_version_id,
                    started_at=now,
                    deadline_at=deadline,
                    rng_state=seed if seed is not None else secrets.randbits(31),
                )
            )
        except ConstraintError:  # a concurrent start won; use its session
            existing = self._session_id_of(invitation.invitation_id)
            if existing is None:  # pragma: no cover - integrity error of another kind
                raise
            return existing
        return session_id

    def _session_id_of(self, invitation_id: int) -> str | None:
        """The id of the session started from an invitation (None: not started)."""
        with self.transaction() as db:
            return db.scalar(
                select(TestSession.id).where(TestSession.invitation_id == invitation_id)
            )

    def load_session(self, session_id: str) -> SessionRecord:
        with self.transaction() as db:
            return _record(self._session_row(db, session_id))

    @staticmethod
    def _session_row(db: Session, session_id: str) -> TestSession:
        row = db.get(TestSession, session_id, options=[selectinload(TestSession.responses)])
        if row is None:
            raise AssessmentError(f"no session {session_id!r}")
        return row

    def update_session(self, session_id: str, **values: Any) -> None:
        """Set bookkeeping fields (consent, language, practice, pending item)."""
        allowed = {
            "consent_at",
            "language",
            "practice_done",
            "pending_item_id",
            "pending_shown_at",
            "deadline_at",
        }
        unknown = set(values) - allowed
        if unknown:
            raise AssessmentError(f"cannot update session fields {sorted(unknown)}")
        with self.transaction() as db:
            db.execute(
                update(TestSession)
                .where(TestSession.id == session_id, TestSession.status != "completed")
                .values(**values)
            )

    def append_response(
        self,
        session_id: str,
        decide: Callable[[SessionRecord], AnswerDecision | None],
    ) -> bool:
        """Append one answer and set the next pending item; returns whether a row was added.

        ``decide`` receives the session as stored and returns the response to record and the
        next item to show, or None when the answer is a repeat. It runs with no connection
        checked out: choosing the next item is interim scoring and item selection, CPU work
        that under load waits for the GIL, and a pooled connection held through it leaves the
        other candidates queueing for the pool until it times out ("no free connection").
        The write is then one short transaction that takes the session row's lock and
        records the answer and the next pending item together, only if the session is still
        as ``decide`` saw it; otherwise ``decide`` runs again on the new state (the second
        submit of a double click then finds its answer recorded), so it must have no side
        effects. The (session, item) and (session, position) unique constraints make a
        concurrent repeat fail and roll back, so exactly one row is recorded.
        """
        for _ in range(ANSWER_ATTEMPTS):
            seen = self.load_session(session_id)
            if seen.session.completed:
                raise AssessmentError("this test has already been submitted")
            decision = decide(seen)
            if decision is None:
                return False
            try:
                written = self._write_answer(session_id, seen, decision)
            except ConstraintError:
                return False
            if written:
                return True
        raise AssessmentError(
            f"session {session_id!r} kept changing while an answer was saved; try again"
        )

    def _write_answer(self, session_id: str, seen: SessionRecord, decision: AnswerDecision) -> bool:
        """Write ``decision`` if the session is still as ``seen``; False if it changed."""
        with self.transaction() as db:
            row = db.get(TestSession, session_id, with_for_update=True)
            if row is None:
                raise AssessmentError(f"no session {session_id!r}")
            if _answer_state(row) != _answer_state(seen):
                return False
            response = decision.response
            db.add(
                ResponseRow(
                    session_id=session_id,
                    position=len(seen.session.responses),
                    item_id=response.item_id,
                    most=response.most,
                    least=response.least,
                    shown_at=response.answered_at - dt.timedelta(milliseconds=response.response_ms),
                    answered_at=response.answered_at,
                    response_ms=response.response_ms,
                )
            )
            row.pending_item_id = decision.next_item_id
            row.pending_shown_at = (
                response.answered_at if decision.next_item_id is not None else None
            )
        return True

    def complete_session(
        self,
        session_id: str,
        scores: Sequence[ScoreRecord],
        flags: dict[str, Any],
    ) -> bool:
        """Mark the session completed with its scores and flags; False if already completed."""
        with self.transaction() as db:
            result = db.execute(
                update(TestSession)
                .where(TestSession.id == session_id, TestSession.status != "completed")
                .values(
                    status="completed",
                    completed_at=utcnow(),
                    flags=flags,
                    pending_item_id=None,
                    pending_shown_at=None,
                )
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                return False
            self._add_scores(db, session_id, scores)
        return True

    def _add_scores(self, db: Session, session_id: str, scores: Sequence[ScoreRecord]) -> None:
        db.execute(
            update(Score).where(Score.session_id == session_id, Score.current).values(current=False)
        )
        for record in scores:
            db.add(Score(session_id=session_id, current=True, **dataclasses.asdict(record)))

    def replace_scores(
        self,
        session_id: str,
        scores: Sequence[ScoreRecord],
        posterior: Mapping[str, Any] | None = None,
        quality: Mapping[str, Any] | None = None,
    ) -> None:
        """Rescoring: keep old rows as history and add the new ones as current.

        ``posterior`` (competencies, posterior covariance, latent correlation) replaces the
        session's stored one, which the composite's SE is computed from; ``quality`` (the
        data-quality flags recomputed under the new model) replaces the stored flags it names.
        """
        with self.transaction() as db:
            self._add_scores(db, session_id, scores)
            if posterior is None and quality is None:
                return
            session = db.get(TestSession, session_id)
            if session is not None:
                update_flags = {**(quality or {})}
                if posterior is not None:
                    update_flags["posterior"] = dict(posterior)
                session.flags = {**(session.flags or {}), **update_flags}

    def scores(self, session_id: str, current_only: bool = True) -> list[ScoreRecord]:
        with self.transaction() as db:
            query = select(Score).where(Score.session_id == session_id).order_by(Score.id)
            if current_only:
                query = query.where(Score.current)
            return [score_record(row) for row in db.scalars(query)]

    def current_scores_of_completed(self) -> dict[str, list[ScoreRecord]]:
        """Current scores of every completed session, by session id (sessions in id order)."""
        with self.transaction() as db:
            query = (
                select(Score)
                .join(TestSession, TestSession.id == Score.session_id)
                .where(Score.current, TestSession.status == "completed")
                .order_by(Score.session_id, Score.id)
            )
            out: dict[str, list[ScoreRecord]] = {}
            for s in db.scalars(query):
                out.setdefault(s.session_id, []).append(
                    ScoreRecord(
                        s.competency, s.theta, s.se, s.t_score, s.percentile, s.n_items,
                        s.model_version_id,
                    )
                )  # fmt: skip
            return out

    def completed_session_states(self) -> dict[str, CompletedSessionState]:
        """The form, stored flags and whether it is a synthetic demo candidate's of every
        completed session, by id (one query)."""
        with self.transaction() as db:
            rows = db.execute(
                select(TestSession.id, TestSession.form, TestSession.flags, Candidate.synthetic)
                .join(Candidate, Candidate.id == TestSession.candidate_id)
                .where(TestSession.status == "completed")
            )
            return {
                session_id: CompletedSessionState(str(form), dict(flags or {}), bool(synthetic))
                for session_id, form, flags, synthetic in rows
            }

    def count_responses(self, session_id: str | None = None) -> int:
        where = [] if session_id is None else [ResponseRow.session_id == session_id]
        return self.count_rows(ResponseRow.id, *where)

    # --------------------------------------------------------- model versions
    def add_model_version(
        self,
        label: str,
        document: ModelDocument,
        created_by: str | None = None,
        note: str | None = None,
        activate: bool = False,
    ) -> int:
        """Store ``document`` (as its canonical JSON) as a new immutable version."""
        with self.transaction() as db:
            version = ModelVersion(
                label=label, model_json=document.to_json(), created_by=created_by, note=note
            )
            db.add(version)
            db.flush()
            if activate:
                _make_active(db, version)
            return version.id

    def activate_model_version(self, label: str) -> bool:
        """Make the version called ``label`` the only active one; False if there is none."""
        with self.transaction() as db:
            version = _version_by_label(db, label)
            if version is None:
                return False
            _make_active(db, version)
        return True

    def active_model_version(self) -> ModelVersion | None:
        with self.transaction() as db:
            return db.scalar(select(ModelVersion).where(ModelVersion.active))

    def model_version(self, version_id: int) -> ModelVersion | None:
        with self.transaction() as db:
            return db.get(ModelVersion, version_id)

    def model_versions(self) -> list[ModelVersion]:
        with self.transaction() as db:
            return list(db.scalars(select(ModelVersion).order_by(ModelVersion.id)))

    def active_model_document(self) -> StoredModel | None:
        """The active version with its parsed document (None when no version is active).

        Raises ``DataFileError`` naming the version, item and field when the stored JSON is
        not a valid model document.
        """
        return self._stored(self.active_model_version())

    def model_document(self, version_id: int) -> StoredModel | None:
        """A version by id with its parsed document (None when there is no such version)."""
        return self._stored(self.model_version(version_id))

    def model_document_by_label(self, label: str) -> StoredModel | None:
        """A version by label with its parsed document (None when there is no such version)."""
        with self.transaction() as db:
            version = _version_by_label(db, label)
        return self._stored(version)

    def _stored(self, version: ModelVersion | None) -> StoredModel | None:
        """Parse a version's JSON once per store (keyed by id and text, so never stale)."""
        if version is None:
            return None
        key = (version.id, version.model_json)
        stored = self._documents.get(key)
        if stored is None:
            document = ModelDocument.from_json(
                version.model_json, source=f"model version {version.label}"
            )
            stored = StoredModel(version.id, version.label, document)
            if len(self._documents) >= DOCUMENT_CACHE_SIZE:
                self._documents.clear()
            self._documents[key] = stored
        return stored


def invitation_for_token(db: Session, token: str) -> Invitation | None:
    """The invitation a token opens: its first link, or a later one (a reminder's)."""
    digest = hash_token(token)
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is not None:
        return invitation
    return db.scalar(
        select(Invitation)
        .join(InvitationToken, InvitationToken.invitation_id == Invitation.id)
        .where(InvitationToken.token_hash == digest)
    )


def _version_by_label(db: Session, label: str) -> ModelVersion | None:
    return db.scalar(select(ModelVersion).where(ModelVersion.label == label))


def _make_active(db: Session, version: ModelVersion) -> None:
    """Switch the active flag to ``version`` (every other version inactive)."""
    db.execute(update(ModelVersion).values(active=False))
    version.active = True


def score_record(row: Score) -> ScoreRecord:
    """A stored score row as a plain value."""
    return ScoreRecord(
        row.competency, row.theta, row.se, row.t_score, row.percentile, row.n_items,
        row.model_version_id,
    )  # fmt: skip


def _answer_state(source: TestSession | SessionRecord) -> tuple[Any, ...]:
    """What an answer's decision depends on besides the answers: status, pending item and
    deadline. Every answer changes the pending item (never back to an answered one), so an
    unchanged state also means that no answer was added in between."""
    return (source.status, source.pending_item_id, source.pending_shown_at, source.deadline_at)


def _record(row: TestSession) -> SessionRecord:
    """The session value and bookkeeping of a loaded session row."""
    responses = tuple(
        Response(
            item_id=r.item_id,
            most=r.most,
            least=r.least,
            response_ms=r.response_ms,
            answered_at=r.answered_at,
        )
        for r in row.responses
    )
    return SessionRecord(
        session=CandidateSession(
            session_id=row.id,
            form=row.form,  # type: ignore[arg-type]
            language=row.language,  # type: ignore[arg-type]
            responses=responses,
            completed=row.status == "completed",
        ),
        candidate_id=row.candidate_id,
        status=row.status,
        pending_item_id=row.pending_item_id,
        pending_shown_at=row.pending_shown_at,
        consent_at=row.consent_at,
        practice_done=row.practice_done,
        deadline_at=row.deadline_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        model_version_id=row.model_version_id,
        flags=row.flags,
        rng_state=row.rng_state,
    )
