"""The recruiter's view of candidates: status overview, invitations in bulk, scores export.

Plain functions over a ``Store``: ``candidate_overview`` reads every candidate with the state of
their latest test in a handful of queries; ``parse_invitation_csv`` and ``invite_candidates``
turn an uploaded list into invitations; ``scores_csv`` and ``scores_codebook`` export the
overview for spreadsheets, with text cells neutralised against formula injection.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from assessment.clock import utcnow
from assessment.errors import AssessmentError, InvitationFileError
from assessment.persistence.store import Store
from assessment.persistence.tables import (
    Candidate,
    Invitation,
    ModelVersion,
    ResponseRow,
    Score,
    TestSession,
)
from assessment.vocabulary import STATUSES, Status, form_problem, language_problem, status_problem
from items.models import COMPETENCIES

DEFAULT_BASE_URL = "http://localhost:8501"
MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 2_000
CSV_COLUMNS: tuple[str, ...] = ("name", "email", "position", "language")
REQUIRED_CSV_COLUMNS: tuple[str, ...] = ("name", "email")
MAX_NAME = 300
MAX_EMAIL = 320
MAX_POSITION = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet cell starting with one of these may be read as a formula (OWASP)."""


# ------------------------------------------------------------------ overview
@dataclass(frozen=True)
class CandidateRow:
    """One candidate with the state of their latest test, as the recruiter sees it.

    ``theta``, ``se``, ``t_scores`` and ``percentiles`` follow ``items.COMPETENCIES`` order and
    hold None unless the test is completed (or the model version has no norms).
    """

    candidate_id: str
    display_name: str | None
    email: str | None
    position: str | None
    synthetic: bool
    status: Status
    language: str
    form: str
    invited_at: dt.datetime | None
    expires_at: dt.datetime | None
    completed_at: dt.datetime | None
    session_id: str | None
    n_items: int
    theta: tuple[float | None, ...]
    se: tuple[float | None, ...]
    t_scores: tuple[float | None, ...]
    percentiles: tuple[float | None, ...]
    flags: tuple[str, ...]
    model_version: str | None
    purged: bool = False
    """The candidate's personal data (name, email, position) were removed by a purge."""

    def t_score(self, competency: str) -> float | None:
        """The T-score of one competency (None unless completed)."""
        return self.t_scores[COMPETENCIES.index(competency)]


def candidate_overview(
    store: Store,
    *,
    status: str | Iterable[str] | None = None,
    search: str | None = None,
    now: dt.datetime | None = None,
) -> list[CandidateRow]:
    """Every invited candidate with the state of their latest test, newest invitation first.

    A candidate's row describes their latest completed session if there is one, otherwise
    their latest invitation: ``started`` when its session has begun, ``expired`` when it
    lapsed unused, else ``invited``. Candidates who were never invited are left out.

    Parameters
    ----------
    status : str or iterable of str, optional
        Keep only rows with this status (or one of these statuses).
    search : str, optional
        Keep rows whose id, name, email or position contains this text (case-insensitive).
    """
    now = now or utcnow()
    with store.transaction() as db:
        candidates = {c.id: c for c in db.scalars(select(Candidate))}
        pairs = db.execute(
            select(Invitation, TestSession)
            .outerjoin(TestSession, TestSession.invitation_id == Invitation.id)
            .order_by(Invitation.id)
        ).all()
        counts = dict(
            db.execute(
                select(ResponseRow.session_id, func.count(ResponseRow.id)).group_by(
                    ResponseRow.session_id
                )
            ).all()
        )
        scores = db.execute(
            select(Score)
            .join(TestSession, TestSession.id == Score.session_id)
            .where(Score.current, TestSession.status == "completed")
            .order_by(Score.id)
        ).scalars()
        by_session: dict[str, dict[str, Score]] = {}
        for score in scores:
            by_session.setdefault(score.session_id, {})[score.competency] = score
        labels = dict(db.execute(select(ModelVersion.id, ModelVersion.label)).all())

    latest: dict[str, tuple[Invitation, TestSession | None]] = {}
    done: dict[str, TestSession] = {}
    invitations = {invitation.id: invitation for invitation, _ in pairs}
    for sent, taken in pairs:
        latest[sent.candidate_id] = (sent, taken)  # ordered by id: the last one wins
        if taken is not None and taken.status == "completed":
            best = done.get(sent.candidate_id)
            if best is None or _completed_key(taken) >= _completed_key(best):
                done[sent.candidate_id] = taken

    rows = []
    for candidate_id, (last_invitation, last_session) in latest.items():
        finished = done.get(candidate_id)
        invitation = invitations[finished.invitation_id] if finished else last_invitation
        session = finished or last_session
        rows.append(
            _row(candidates[candidate_id], invitation, session, counts, by_session, labels, now)
        )
    rows.sort(key=lambda r: (r.invited_at or now, r.candidate_id), reverse=True)
    return filter_rows(rows, status=status, search=search)


def _completed_key(session: TestSession) -> tuple[dt.datetime, str]:
    return (session.completed_at or session.started_at, session.id)


def _row(
    candidate: Candidate,
    invitation: Invitation,
    session: TestSession | None,
    counts: dict[str, int],
    by_session: dict[str, dict[str, Score]],
    labels: dict[int, str],
    now: dt.datetime,
) -> CandidateRow:
    status: Status
    if session is not None:
        status = "completed" if session.status == "completed" else "started"
    else:
        status = "expired" if invitation.expires_at <= now else "invited"
    scores = by_session.get(session.id, {}) if status == "completed" and session else {}
    version_id = None
    if scores:
        version_id = next(iter(scores.values())).model_version_id
    elif session is not None:
        version_id = session.model_version_id
    raw_flags = (session.flags or {}).get("raised", []) if session is not None else []

    def pick(attribute: str) -> tuple[float | None, ...]:
        values = (getattr(scores[c], attribute) if c in scores else None for c in COMPETENCIES)
        return tuple(None if v is None else float(v) for v in values)

    return CandidateRow(
        candidate_id=candidate.id,
        display_name=candidate.display_name,
        email=candidate.email,
        position=candidate.position,
        synthetic=bool(candidate.synthetic),
        status=status,
        language=session.language if session is not None else invitation.language,
        form=session.form if session is not None else invitation.form,
        invited_at=invitation.created_at,
        expires_at=invitation.expires_at,
        completed_at=session.completed_at if status == "completed" and session else None,
        session_id=session.id if session is not None else None,
        n_items=counts.get(session.id, 0) if session is not None else 0,
        theta=pick("theta"),
        se=pick("se"),
        t_scores=pick("t_score"),
        percentiles=pick("percentile"),
        flags=tuple(str(flag) for flag in raw_flags if isinstance(flag, str)),
        model_version=labels.get(version_id) if version_id is not None else None,
        purged=candidate.purged_at is not None,
    )


def filter_rows(
    rows: Iterable[CandidateRow],
    *,
    status: str | Iterable[str] | None = None,
    position: str | Iterable[str] | None = None,
    flag: str | Iterable[str] | None = None,
    search: str | None = None,
) -> list[CandidateRow]:
    """Rows matching every given filter; a collection matches any of its values.

    ``flag`` keeps rows that raised (one of) the flags; ``search`` matches id, name, email and
    position, ignoring case.
    """
    statuses = _as_set(status)
    unknown = [problem for value in sorted(statuses) if (problem := status_problem(value))]
    if unknown:
        raise ValueError(f"unknown status: {'; '.join(unknown)}")
    positions = _as_set(position)
    flags = _as_set(flag)
    needle = (search or "").strip().casefold()
    kept = []
    for row in rows:
        if statuses and row.status not in statuses:
            continue
        if positions and (row.position or "") not in positions:
            continue
        if flags and not flags.intersection(row.flags):
            continue
        if needle:
            haystack = (row.candidate_id, row.display_name, row.email, row.position)
            if not any(needle in (text or "").casefold() for text in haystack):
                continue
        kept.append(row)
    return kept


def _as_set(value: str | Iterable[str] | None) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return set(value)


def sort_rows(
    rows: Iterable[CandidateRow], competency: str, *, descending: bool = True
) -> list[CandidateRow]:
    """Rows ordered by one competency's T-score; rows without a score come last."""
    if competency not in COMPETENCIES:
        raise ValueError(f"unknown competency {competency!r}")
    scored = [r for r in rows if r.t_score(competency) is not None]
    unscored = [r for r in rows if r.t_score(competency) is None]
    scored.sort(key=lambda r: r.t_score(competency) or 0.0, reverse=descending)
    return scored + unscored


def status_counts(rows: Iterable[CandidateRow]) -> dict[str, int]:
    """Number of rows per status, in ``STATUSES`` order (zeros included)."""
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


# --------------------------------------------------------------- invitations
@dataclass(frozen=True)
class InvitationRequest:
    """One candidate to invite; ``language`` None means the batch's default language."""

    name: str
    email: str
    position: str | None = None
    language: str | None = None


def check_request(request: InvitationRequest) -> list[str]:
    """Problems of one invitation request (empty when it is fine)."""
    problems = []
    if not request.name.strip():
        problems.append("name is empty")
    elif len(request.name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")
    if not request.email.strip():
        problems.append("email is empty")
    elif len(request.email) > MAX_EMAIL or not _EMAIL.match(request.email):
        problems.append(f"email {request.email[:60]!r} is not an email address")
    if request.position is not None and len(request.position) > MAX_POSITION:
        problems.append(f"position is longer than {MAX_POSITION} characters")
    for what, text in (("name", request.name), ("position", request.position or "")):
        if _CONTROL.search(text):
            problems.append(f"{what} contains control characters")
    if request.language is not None and (problem := language_problem(request.language)):
        problems.append(problem)
    return problems


def request_from_form(
    name: str, email: str, position: str | None = None, language: str | None = None
) -> InvitationRequest:
    """A checked request from form fields (stripped); raises ``InvitationFileError``."""
    request = InvitationRequest(
        name.strip(), email.strip(), (position or "").strip() or None, language
    )
    problems = check_request(request)
    if problems:
        raise InvitationFileError(problems)
    return request


def parse_invitation_csv(data: bytes | str) -> list[InvitationRequest]:
    """Read an uploaded invitation list: UTF-8 CSV with columns name,email[,position][,language].

    A BOM is accepted, columns may come in any order, blank lines are skipped. At most
    ``MAX_CSV_BYTES`` bytes and ``MAX_CSV_ROWS`` rows.

    Raises
    ------
    InvitationFileError
        Listing every problem: too large, not UTF-8, a missing or unknown column, and each
        malformed row with its line number (empty name, bad email, wrong cell count, unknown
        language, an email repeated within the file).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_CSV_BYTES:
        raise InvitationFileError(
            [f"the file has {len(raw):,} bytes; the limit is {MAX_CSV_BYTES:,} (split it)"]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvitationFileError(
            [f"line {line}: the file is not UTF-8 text; save it as 'CSV UTF-8'"]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvitationFileError([f"line 1: {error}"]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise InvitationFileError(["line 1: the file is empty; the first line must be a header"])
    columns = [cell.strip().lower() for cell in header]
    if len(columns) == 1 and ";" in columns[0]:
        raise InvitationFileError(["line 1: separate the columns with commas, not semicolons"])
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        problems.append(
            f"line 1: unknown column(s) {', '.join(repr(c) for c in unknown)}; "
            f"allowed: {', '.join(CSV_COLUMNS)}"
        )
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        problems.append(f"line 1: repeated column(s) {', '.join(repeated)}")
    if problems:
        raise InvitationFileError(problems)

    requests: list[InvitationRequest] = []
    seen: dict[str, int] = {}
    n_rows = 0
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"line {start}: {error}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        n_rows += 1
        if n_rows > MAX_CSV_ROWS:
            problems.append(f"line {start}: more than {MAX_CSV_ROWS:,} rows; split the file")
            break
        if len(cells) != len(columns):
            problems.append(f"line {start}: expected {len(columns)} cells, found {len(cells)}")
            continue
        values = {c: cell.strip() for c, cell in zip(columns, cells, strict=True)}
        request = InvitationRequest(
            name=values["name"],
            email=values["email"],
            position=values.get("position") or None,
            language=(values.get("language") or "").lower() or None,
        )
        row_problems = check_request(request)
        key = request.email.casefold()
        if key and key in seen:
            row_problems.append(f"email {request.email[:60]!r} is also on line {seen[key]}")
        problems.extend(f"line {start}: {problem}" for problem in row_problems)
        if not row_problems:
            seen.setdefault(key, start)
            requests.append(request)
    if not problems and not requests:
        problems.append("the file has a header but no candidates")
    if problems:
        raise InvitationFileError(problems)
    return requests


def invite_candidates(
    store: Store,
    rows: Sequence[InvitationRequest],
    *,
    language: str = "en",
    form: str = "adaptive",
    days: float = 14,
    time_limit: int | None = None,
    extra_time: float = 1.0,
    actor: str,
) -> list[tuple[str, str]]:
    """Create a candidate and an invitation per request; returns (candidate id, token) pairs.

    Every request and setting is checked before anything is written. Tokens are returned only
    here (the store keeps their hash); one audit entry records the batch.
    """
    problems = [f"row {n}: {p}" for n, row in enumerate(rows, 1) for p in check_request(row)]
    problems += [p for p in (language_problem(language), form_problem(form)) if p]
    if not 0 < days <= 365:
        problems.append("expiry must be between a few minutes and 365 days")
    if time_limit is not None and not 1 <= time_limit <= 600:
        problems.append("time limit must be between 1 and 600 minutes (or none)")
    if not 1.0 <= extra_time <= 4.0:
        problems.append("extra-time multiplier must be between 1.0 and 4.0")
    if not rows:
        problems.append("no candidates to invite")
    if problems:
        raise AssessmentError("cannot create the invitations: " + "; ".join(problems))
    created = []
    for row in rows:
        candidate_id = store.add_candidate(row.name, row.email, row.position)
        _, token = store.create_invitation(
            candidate_id,
            language=row.language or language,
            form=form,
            expires_in_days=days,
            time_limit_minutes=time_limit,
            time_multiplier=extra_time,
            created_by=actor,
        )
        created.append((candidate_id, token))
    store.audit(
        actor,
        "invite",
        None,
        {"count": len(created), "language": language, "form": form, "days": days},
    )
    return created


def invitation_link(token: str, base_url: str | None = None) -> str:
    """The candidate's link; the host is ``base_url``, else ``SJT_BASE_URL``."""
    base = (base_url or os.environ.get("SJT_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/?token={token}"


def links_csv(
    created: Sequence[tuple[str, str]],
    requests: Sequence[InvitationRequest],
    base_url: str | None = None,
) -> str:
    """The new invitations as CSV (candidate_id, name, email, position, language, link), with
    text cells neutralised against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["candidate_id", "name", "email", "position", "language", "link"])
    for (candidate_id, token), request in zip(created, requests, strict=True):
        writer.writerow(
            [
                neutralise(candidate_id),
                neutralise(request.name),
                neutralise(request.email),
                neutralise(request.position),
                request.language or "",
                invitation_link(token, base_url),
            ]
        )
    return out.getvalue()


# -------------------------------------------------------------------- export
def neutralise(text: str | None) -> str:
    """A text cell safe for spreadsheets: a leading ``= + - @`` (or tab, CR) gets a ``'``."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def score_columns() -> list[tuple[str, str]]:
    """(column, meaning) of every column of ``scores_csv``, in order."""
    columns = [("candidate_id", "Candidate id assigned by the system.")]
    for c in COMPETENCIES:
        name = c.replace("_", " ")
        columns += [
            (f"{c}_theta", f"Estimated {name} on the latent scale (EAP; mean 0, SD 1 in the "
             "calibration sample). Empty unless the test is completed."),
            (f"{c}_se", f"Standard error (posterior SD) of {c}_theta."),
            (f"{c}_t", f"T-score of {name} (mean 50, SD 10 in the norm group)."),
            (f"{c}_pct", f"Percentile rank of {name} in the norm group (0-100)."),
        ]  # fmt: skip
    columns += [
        ("display_name", "Candidate's name as entered by the recruiter."),
        ("email", "Candidate's email address."),
        ("position", "Position applied for."),
        ("synthetic", "1 for synthetic demo candidates, 0 for real candidates."),
        ("status", "invited, started, completed or expired (latest test)."),
        ("language", "Language of the test: en (English) or zh (Chinese)."),
        ("form", "adaptive or fixed test form."),
        ("invited_at", "When the invitation was created (UTC, ISO 8601)."),
        ("completed_at", "When the test was completed (UTC, ISO 8601); empty if not."),
        ("n_items", "Number of items the candidate answered."),
        ("flags", "Data-quality flags raised, separated by ';': too_fast, "
         "same_position_run, person_misfit, incomplete."),
        ("model_version", "Label of the scoring model version that produced the scores."),
    ]  # fmt: skip
    return columns


def scores_csv(rows: Iterable[CandidateRow]) -> str:
    """The overview as CSV (the SCORES.csv layout: candidate_id, then per competency theta,
    se, t and pct, then the other columns). Numbers are written here; every text cell is
    neutralised with ``neutralise`` against spreadsheet formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in score_columns()])
    for row in rows:
        cells = [neutralise(row.candidate_id)]
        for k in range(len(COMPETENCIES)):
            cells += [
                _number(row.theta[k], 4),
                _number(row.se[k], 4),
                _number(row.t_scores[k], 1),
                _number(row.percentiles[k], 1),
            ]
        cells += [
            neutralise(row.display_name),
            neutralise(row.email),
            neutralise(row.position),
            "1" if row.synthetic else "0",
            row.status,
            neutralise(row.language),
            neutralise(row.form),
            _when(row.invited_at),
            _when(row.completed_at),
            str(row.n_items),
            neutralise(";".join(row.flags)),
            neutralise(row.model_version),
        ]
        writer.writerow(cells)
    return out.getvalue()


def scores_codebook() -> str:
    """A Markdown codebook explaining every column of ``scores_csv``."""
    lines = [
        "# Codebook of the scores export",
        "",
        "UTF-8 CSV (downloads from the app start with a byte-order mark so that Excel detects "
        "the encoding), one row per candidate, comma-separated, header row first. Numbers use "
        "a decimal point; score cells are empty for candidates without a completed test.",
        "Text cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage return are prefixed "
        "with a single quote (') so that spreadsheets never run them as formulas.",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in score_columns()]
    return "\n".join(lines) + "\n"


__all__ = [
    "CSV_COLUMNS",
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "CandidateRow",
    "InvitationFileError",
    "InvitationRequest",
    "candidate_overview",
    "check_request",
    "filter_rows",
    "invitation_link",
    "invite_candidates",
    "links_csv",
    "neutralise",
    "parse_invitation_csv",
    "request_from_form",
    "score_columns",
    "scores_codebook",
    "scores_csv",
    "sort_rows",
    "status_counts",
]
