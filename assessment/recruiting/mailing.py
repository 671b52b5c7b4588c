"""Sending invitation and reminder e-mails over SMTP, with retries and a delivery log.

``send_invitations`` e-mails invitations that were just created, given their links (the UI
and the CLI build the links with the public address). ``send_reminders`` e-mails candidates
whose e-mailed invitation is still open: not started, or started but not finished; never
completed, expired, purged or synthetic candidates. ``retry_failed`` sends again the
messages whose retry time has come. Every message is logged in ``MailStore`` (queued, then
sent or failed with the SMTP error, attempts and the time of the last attempt).

Retries: within one run a message is tried up to ``ATTEMPTS_PER_RUN`` times with exponential
back-off (``BACKOFF_SECONDS`` × 4^k) when the failure is temporary (a 4xx reply, a dropped or
refused connection, a timeout); a permanent refusal (5xx) is not retried. A message that still
failed temporarily is retried by later runs (``sjt remind``, the Remind button) after
``LATER_RETRY`` × 4^(round-1), for at most ``MAX_ROUNDS`` rounds. When the server cannot be
reached at all, the rest of the batch is not tried in this run but scheduled likewise.
An address that ``email_problem`` refuses (stored before addresses were checked strictly) or
that the e-mail library cannot write fails permanently for its recipient alone: the failure
is logged and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.errors import MessageError
from email.message import EmailMessage
from types import TracebackType
from typing import Literal, Protocol

from assessment.clock import utcnow
from assessment.errors import MailSettingsError
from assessment.persistence.mail_store import (
    DeliveryRecord,
    MailKind,
    MailStore,
    MailTarget,
    ReminderState,
)
from assessment.persistence.store import Store
from assessment.recruiting.addresses import email_problem
from assessment.recruiting.invitations import invitation_link
from assessment.recruiting.mail_settings import NOT_CONFIGURED, SmtpSettings
from assessment.recruiting.mail_templates import build_message, compose, template_for

ATTEMPTS_PER_RUN = 3
BACKOFF_SECONDS = 1.0
LATER_RETRY = dt.timedelta(minutes=15)
MAX_ROUNDS = 4
REMIND_AFTER = dt.timedelta(days=3)
MAX_REMINDERS = 2


class Transport(Protocol):
    """Something that sends one message or raises an ``smtplib``/``OSError`` error."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """An SMTP connection, opened on first use and reopened after an error.

    Port 465 uses TLS from the start; otherwise STARTTLS when ``settings.starttls``. Logs in
    when a user is set. Use as a context manager so the connection is closed.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if s.implicit_tls:
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            connection.ehlo()
            if s.starttls and not s.implicit_tls:
                connection.starttls(context=context)
                connection.ehlo()
            if s.user:
                connection.login(s.user, s.password or "")
        except BaseException:
            _quietly_close(connection)
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            _quietly_close(self._connection)
            self._connection = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _quietly_close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


@dataclass(frozen=True)
class Failure:
    """Why a send failed: the message, whether trying again may help, and whether the server
    itself was unreachable (so the rest of the batch would fail the same way)."""

    text: str
    temporary: bool
    server_down: bool


UNUSABLE_ADDRESS = Failure(
    "the e-mail address cannot be used (it is not a plain name@domain address); "
    "invite the candidate again with the address corrected",
    temporary=False,
    server_down=False,
)
"""The permanent failure of a recipient whose stored address the mailer refuses or cannot write
(the text names no address: it goes to the delivery log)."""


def classify(error: BaseException) -> Failure:
    """Describe an ``smtplib`` or socket error (RFC 5321: 4xx temporary, 5xx permanent)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        replies = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
        return Failure(f"recipient refused: {replies}", all(400 <= c < 500 for c in codes), False)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return Failure(
            f"SMTP login refused: {error.smtp_code} {_text(error.smtp_error)}", True, True
        )
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        down = isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPHeloError)
        return Failure(f"{code} {_text(error.smtp_error)}", not 500 <= code < 600, down)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return Failure(f"the SMTP server closed the connection: {error}", True, False)
    if isinstance(error, smtplib.SMTPException):
        return Failure(f"SMTP error: {error}", True, False)
    if isinstance(error, TimeoutError):
        return Failure("the SMTP server did not answer in time", True, True)
    if isinstance(error, ssl.SSLError):
        return Failure(f"TLS with the SMTP server failed: {error}", True, True)
    return Failure(f"cannot reach the SMTP server: {error}", True, True)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def scrub(text: str, address: str | None) -> str:
    """``text`` on one line without the recipient's address (kept out of the log)."""
    line = " ".join(str(text).split())
    if address:
        line = re.sub(re.escape(address), "<recipient>", line, flags=re.IGNORECASE)
    return line


@dataclass(frozen=True)
class MailOutcome:
    """What happened to one e-mail in this run.

    ``status`` is ``sent``, ``failed`` (``retry_at`` says when it will be tried again, None:
    not again), ``skipped`` (nothing sent: no address, purged, …; ``error`` says why) or
    ``due`` (a dry run: it would be sent).
    """

    candidate_id: str
    name: str | None
    kind: MailKind
    status: Literal["sent", "failed", "skipped", "due"]
    attempts: int = 0
    error: str | None = None
    retry_at: dt.datetime | None = None


def _skip_reason(target: MailTarget, now: dt.datetime) -> str | None:
    """Why no e-mail may go to ``target`` (None: it may)."""
    if target.purged:
        return "the candidate's personal data were removed"
    if target.synthetic:
        return "the candidate is synthetic (demo data)"
    if not target.email:
        return "the candidate has no e-mail address"
    if target.state == "completed":
        return "the candidate has completed the test"
    if target.state == "invited" and target.expires_at <= now:
        return "the invitation has expired"
    if target.state == "started" and target.deadline_at is not None and target.deadline_at <= now:
        return "the time for the test is over"
    return None


class _Run:
    """One run of sending: a transport, the log, the clock and the back-off."""

    def __init__(
        self,
        store: Store,
        settings: SmtpSettings,
        transport: Transport | None,
        sleep: Callable[[float], None],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.mail = MailStore(store)
        self.settings = settings
        self.transport: Transport = transport or SmtpTransport(settings)
        self.sleep = sleep
        self.clock = clock
        self.down: Failure | None = None

    def later(self, record: DeliveryRecord, attempts: int, failure: Failure) -> dt.datetime | None:
        """When a failed message is tried again (None: never)."""
        rounds = -(-(record.attempts + attempts) // ATTEMPTS_PER_RUN)  # ceiling
        if not failure.temporary or rounds >= MAX_ROUNDS:
            return None
        return self.clock() + LATER_RETRY * 4 ** max(rounds - 1, 0)

    def deliver(
        self, record: DeliveryRecord, target: MailTarget, link: str, kind: MailKind
    ) -> MailOutcome:
        """Send one logged message, retrying temporary failures, and log the result."""
        address = target.email or ""
        content = compose(template_for(kind, target), target, link, self.settings.contact)
        attempts = 0
        if self.down is not None:
            failure = Failure(f"not tried in this run: {self.down.text}", True, True)
        else:
            failure = Failure("not tried", True, False)
            while attempts < ATTEMPTS_PER_RUN:
                if attempts:
                    self.sleep(BACKOFF_SECONDS * 4 ** (attempts - 1))
                attempts += 1
                if email_problem(address):  # stored before addresses were checked strictly
                    failure = UNUSABLE_ADDRESS
                    break
                try:
                    message = build_message(
                        content, self.settings, target.name, address, self.clock()
                    )
                except (ValueError, IndexError, MessageError):
                    failure = UNUSABLE_ADDRESS  # this recipient only
                    break
                try:
                    self.transport.send(message)
                except ValueError:  # an address smtplib cannot write either
                    failure = UNUSABLE_ADDRESS
                    break
                except (smtplib.SMTPException, OSError) as error:
                    found = classify(error)
                    failure = Failure(
                        scrub(found.text, address), found.temporary, found.server_down
                    )
                    if not failure.temporary:
                        break
                    continue
                saved = self.mail.record_attempts(
                    record.id, attempts=attempts, error=None, at=self.clock()
                )
                return MailOutcome(target.candidate_id, target.name, kind, "sent", saved.attempts)
            if failure.server_down:
                self.down = failure  # the rest of this run is scheduled for later, not tried
        retry_at = self.later(record, attempts, failure)
        saved = self.mail.record_attempts(
            record.id, attempts=attempts, error=failure.text, at=self.clock(), retry_at=retry_at
        )
        return MailOutcome(
            target.candidate_id, target.name, kind, "failed", saved.attempts, failure.text, retry_at
        )

    def new_message(
        self, target: MailTarget, link: str | None, kind: MailKind, actor: str, base_url: str | None
    ) -> MailOutcome:
        """Log and send a new message (with a fresh link to the invitation when ``link`` is
        None), unless no e-mail may go to the candidate."""
        reason = _skip_reason(target, self.clock())
        if reason is not None:
            return MailOutcome(target.candidate_id, target.name, kind, "skipped", error=reason)
        record = self.mail.queue(target, kind, actor, self.clock())
        if link is None:
            link = invitation_link(self.mail.new_link_token(target.invitation_id, kind), base_url)
        return self.deliver(record, target, link, kind)


def send_invitations(
    store: Store,
    settings: SmtpSettings,
    links: Sequence[tuple[str, str]],
    *,
    actor: str,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], dt.datetime] = utcnow,
) -> list[MailOutcome]:
    """E-mail invitations that were just created.

    Parameters
    ----------
    links : sequence of (token, link)
        The invitation tokens returned by ``invite_candidates`` with the links built from them
        (``invitation_link(token, public_url)``), in the order to send.
    actor : str
        Who sends (a username or "cli"); logged with each message and in the audit log.
    transport, sleep, clock
        The SMTP connection, the back-off pause and the clock (replaced in tests).

    Returns
    -------
    list of MailOutcome
        One per link: sent, failed (with the SMTP error and when it will be retried) or
        skipped (unknown token, no address, …).
    """
    run = _Run(store, settings, transport, sleep, clock)
    outcomes = []
    try:
        for token, link in links:
            target = run.mail.target_for_token(token)
            if target is None:
                outcomes.append(
                    MailOutcome("", None, "invitation", "skipped", error="unknown invitation")
                )
                continue
            outcomes.append(run.new_message(target, link, "invitation", actor, None))
    finally:
        run.transport.close()
    _audit(store, actor, "mail.invitations", outcomes)
    return outcomes


def reminder_due(
    state: ReminderState,
    now: dt.datetime,
    after: dt.timedelta = REMIND_AFTER,
    max_reminders: int = MAX_REMINDERS,
) -> bool:
    """Whether an e-mailed invitation gets a reminder now: it is open (see ``_skip_reason``),
    the candidate has completed no test, fewer than ``max_reminders`` reminders were sent and
    the latest e-mail about it went out at least ``after`` ago."""
    return (
        _skip_reason(state.target, now) is None
        and not state.candidate_completed
        and state.reminders_sent < max_reminders
        and now - state.last_sent_at >= after
    )


def due_reminders(
    store: Store,
    now: dt.datetime | None = None,
    after: dt.timedelta = REMIND_AFTER,
    max_reminders: int = MAX_REMINDERS,
) -> list[MailTarget]:
    """The invitations that get a reminder now, one per candidate (their newest), oldest
    invitation first."""
    now = now or utcnow()
    newest: dict[str, MailTarget] = {}
    for state in MailStore(store).reminder_states():
        if reminder_due(state, now, after, max_reminders):
            seen = newest.get(state.target.candidate_id)
            if seen is None or seen.invitation_id < state.target.invitation_id:
                newest[state.target.candidate_id] = state.target
    return sorted(newest.values(), key=lambda target: target.invitation_id)


def send_reminders(
    store: Store,
    settings: SmtpSettings | None,
    *,
    actor: str,
    base_url: str | None = None,
    dry_run: bool = False,
    after: dt.timedelta = REMIND_AFTER,
    max_reminders: int = MAX_REMINDERS,
    transport: Transport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], dt.datetime] = utcnow,
) -> list[MailOutcome]:
    """Retry the failed messages that are due, then send the reminders that are due.

    Each reminder carries a fresh link to the same invitation (``base_url``: the public
    address; default ``invitation_link``'s). ``dry_run`` sends nothing and writes nothing: it
    lists what would be sent (status ``due``); it needs no SMTP settings.
    """
    now = clock()
    mail = MailStore(store)
    retries = []
    for record, target in mail.due_retries(now):
        if _skip_reason(target, now) is None:
            retries.append((record, target))
        elif not dry_run:
            mail.stop_retrying(record.id)
    reminders = due_reminders(store, now, after, max_reminders)
    if dry_run:
        return [
            MailOutcome(t.candidate_id, t.name, _kind(r.kind), "due", r.attempts)
            for r, t in retries
        ] + [MailOutcome(t.candidate_id, t.name, "reminder", "due") for t in reminders]
    if settings is None:
        raise MailSettingsError(NOT_CONFIGURED)
    run = _Run(store, settings, transport, sleep, clock)
    outcomes = []
    try:
        for record, target in retries:
            if mail.claim_retry(record.id, now):
                kind = _kind(record.kind)
                link = invitation_link(mail.new_link_token(target.invitation_id, kind), base_url)
                outcomes.append(run.deliver(record, target, link, kind))
        for target in reminders:
            outcomes.append(run.new_message(target, None, "reminder", actor, base_url))
    finally:
        run.transport.close()
    _audit(store, actor, "mail.reminders", outcomes)
    return outcomes


def _kind(value: str) -> MailKind:
    return "reminder" if value == "reminder" else "invitation"


def _audit(store: Store, actor: str, action: str, outcomes: Iterable[MailOutcome]) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    if counts:
        store.audit(actor, action, None, counts)


__all__ = [
    "ATTEMPTS_PER_RUN",
    "MAX_REMINDERS",
    "REMIND_AFTER",
    "MailOutcome",
    "SmtpTransport",
    "Transport",
    "classify",
    "due_reminders",
    "reminder_due",
    "send_invitations",
    "send_reminders",
]
