"""Invitations: check requests (one or a CSV list), create candidates with links, list the links."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.errors import AssessmentError, InvitationFileError
from assessment.persistence.store import Store
from assessment.recruiting.addresses import email_problem
from assessment.recruiting.exports import neutralise
from assessment.recruiting.overview import candidate_overview
from assessment.settings import public_url, resolve_settings, served_url
from assessment.text_rules import has_control_characters, has_visible_characters
from assessment.vocabulary import form_problem, language_problem

DEFAULT_BASE_URL = served_url({})
"""Links without any setting on Streamlit's default port (http://localhost:8501)."""
MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 2_000
CSV_COLUMNS: tuple[str, ...] = ("name", "email", "position", "language")
REQUIRED_CSV_COLUMNS: tuple[str, ...] = ("name", "email")
MAX_NAME = 300
MAX_POSITION = 200


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
    elif not has_visible_characters(request.name):
        problems.append("name has only invisible characters; type it again by hand")
    elif len(request.name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")
    if problem := email_problem(request.email):
        problems.append(problem)
    if request.position is not None and not has_visible_characters(request.position):
        problems.append("position has only invisible characters; type it again by hand")
    elif request.position is not None and len(request.position) > MAX_POSITION:
        problems.append(f"position is longer than {MAX_POSITION} characters")
    for what, text in (("name", request.name), ("position", request.position or "")):
        if has_control_characters(text):
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


def open_invitation_problems(store: Store, requests: Sequence[InvitationRequest]) -> list[str]:
    """One problem per request whose email already has an open invitation (invited or
    started, not expired), naming the email and the candidate id: a second invitation would
    give the person two links and two candidate records."""
    open_by_email: dict[str, str] = {}
    for row in candidate_overview(store, status=("invited", "started")):
        if row.email:
            open_by_email.setdefault(row.email.strip().casefold(), row.candidate_id)
    return [
        f"{request.email} already has an open invitation (candidate {candidate_id})"
        for request in requests
        if (candidate_id := open_by_email.get(request.email.strip().casefold()))
    ]


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


def link_base(store: Store | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The base of candidate links outside the app (command line).

    The ``public_url`` setting (``SJT_PUBLIC_URL``, else ``sjt settings set public_url``),
    else the address the Streamlit server is configured to serve on (``served_url``).
    """
    environ = os.environ if environ is None else environ
    stored = store.stored_settings() if store is not None else {}
    return public_url(resolve_settings(stored, environ), served_url(environ))


def invitation_link(token: str, base_url: str | None = None) -> str:
    """The candidate's link under ``base_url`` (default: ``link_base()`` of the environment)."""
    base = (base_url or link_base()).rstrip("/")
    return f"{base}/?token={token}"


def links_text(
    created: Sequence[tuple[str, str]],
    requests: Sequence[InvitationRequest],
    base_url: str | None = None,
) -> str:
    """The new invitations as lines of name, email and link separated by tabs (for copying)."""
    base_url = base_url or link_base()
    return "\n".join(
        f"{request.name}\t{request.email}\t{invitation_link(token, base_url)}"
        for (_, token), request in zip(created, requests, strict=True)
    )


def links_csv(
    created: Sequence[tuple[str, str]],
    requests: Sequence[InvitationRequest],
    base_url: str | None = None,
) -> str:
    """The new invitations as CSV (candidate_id, name, email, position, language, link), with
    text cells neutralised against spreadsheet formulas."""
    base_url = base_url or link_base()
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


__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_BASE_URL",
    "InvitationRequest",
    "check_request",
    "invitation_link",
    "invite_candidates",
    "link_base",
    "links_csv",
    "links_text",
    "open_invitation_problems",
    "parse_invitation_csv",
    "request_from_form",
]
