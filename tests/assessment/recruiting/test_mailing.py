"""Invitation and reminder e-mails end to end against a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from assessment.clock import utcnow
from assessment.persistence.mail_store import MailStore
from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate
from assessment.recruiting.invitations import (
    InvitationRequest,
    invitation_link,
    invite_candidates,
)
from assessment.recruiting.mail_settings import SmtpSettings, smtp_settings
from assessment.recruiting.mailing import (
    REMIND_AFTER,
    MailOutcome,
    due_reminders,
    send_invitations,
    send_reminders,
)
from assessment.recruiting.privacy import export_candidate
from tests.mail_server import SmtpServer, free_port, html_part, smtp_server, text_part

__all__ = ["smtp_server"]  # the fixture, imported for pytest

PUBLIC = "https://sjt.example.org/assess"
LINK = re.compile(re.escape(PUBLIC) + r"/\?token=([\w-]+)")


def settings_for(server: SmtpServer) -> SmtpSettings:
    settings = smtp_settings(server.env())
    assert settings is not None
    return settings


def unreachable() -> SmtpSettings:
    """Settings of a port where no server listens."""
    return SmtpSettings(
        "127.0.0.1", free_port(), False, "Acme", "jobs@acme.example", "hr@acme.example"
    )


def invite(store: Store, *people: tuple[str, str, str], **options: object) -> list[str]:
    """Invite (name, email, language) people; returns their tokens."""
    requests = [InvitationRequest(name, email, None, lang) for name, email, lang in people]
    created = invite_candidates(store, requests, actor="rita", **options)  # type: ignore[arg-type]
    return [token for _, token in created]


def links(tokens: list[str]) -> list[tuple[str, str]]:
    return [(token, invitation_link(token, PUBLIC)) for token in tokens]


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def test_invitations_arrive_with_the_public_link_in_the_candidates_language(
    store: Store, smtp_server: SmtpServer
) -> None:
    tokens = invite(
        store,
        ("Sam Okafor", "sam@example.com", "en"),
        ("陈美玲", "mei@example.com", "zh"),
        time_limit=40,
        extra_time=1.5,
        days=7,
    )
    outcomes = send_invitations(store, settings_for(smtp_server), links(tokens), actor="rita")
    assert [o.status for o in outcomes] == ["sent", "sent"]
    (sam,) = smtp_server.recorder.to("sam@example.com")
    (mei,) = smtp_server.recorder.to("mei@example.com")
    assert sam["Subject"] == "Your invitation to the customer-service situational-judgement test"
    assert mei["Subject"] == "邀请您参加客户服务情境判断测验"
    assert sam["Content-Language"] == "en"
    assert mei["Content-Language"] == "zh-Hans"
    assert str(sam["From"]) == "Acme Recruiting <jobs@acme.example>"
    for message, token in ((sam, tokens[0]), (mei, tokens[1])):
        found = LINK.findall(text_part(message))
        assert found == [token]
        assert f'href="{PUBLIC}/?token={token}"' in html_part(message)
        assert store.resolve_token(found[0]).candidate_id
    text = text_part(sam)
    assert text.startswith("Dear Sam Okafor,")
    assert "you have 60 minutes to finish" in text  # 40 minutes x 1.5
    assert "extra time agreed for you (40 minutes × 1.5)" in text
    assert "please contact jobs@acme.example" in text
    zh = text_part(mei)
    assert zh.startswith("陈美玲，您好：")
    assert "您有 60 分钟完成测验" in zh
    assert "你" not in zh
    log = MailStore(store).deliveries()
    assert [(d.kind, d.status, d.attempts, d.error) for d in log] == [
        ("invitation", "sent", 1, None)
    ] * 2
    assert all(d.sent_at is not None and d.last_attempt_at == d.sent_at for d in log)


def test_user_text_is_escaped_in_the_html_part(store: Store, smtp_server: SmtpServer) -> None:
    name = '<script>alert("x")</script> & <b>Zoë</b>'
    tokens = invite(store, (name, "zoe@example.com", "en"))
    send_invitations(store, settings_for(smtp_server), links(tokens), actor="rita")
    (message,) = smtp_server.recorder.messages
    page = html_part(message)
    assert "<script>" not in page
    assert "<b>Zoë" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Zoë" in page
    assert text_part(message).startswith(f"Dear {name},")
    assert message["To"].addresses[0].addr_spec == "zoe@example.com"


def test_a_refused_address_is_recorded_without_retries(
    store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.recorder.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: no such user"
    tokens = invite(store, ("Gone", "gone@example.com", "en"), ("Here", "here@example.com", "en"))
    pauses = Pauses()
    outcomes = send_invitations(
        store, settings_for(smtp_server), links(tokens), actor="rita", sleep=pauses
    )
    gone, here = outcomes
    assert (gone.status, gone.attempts, gone.retry_at) == ("failed", 1, None)
    assert gone.error is not None
    assert "550" in gone.error
    assert "no such user" in gone.error
    assert "gone@example.com" not in gone.error  # the address stays out of the log
    assert here.status == "sent"
    assert pauses.seconds == []
    record = MailStore(store).deliveries(gone.candidate_id)[0]
    assert (record.status, record.attempts, record.next_attempt_at) == ("failed", 1, None)
    assert record.error == gone.error
    exported = export_candidate(store, gone.candidate_id)["email_deliveries"]
    assert [(d["kind"], d["status"], d["error"]) for d in exported] == [
        ("invitation", "failed", gone.error)
    ]


def test_temporary_failures_are_retried_with_backoff(store: Store, smtp_server: SmtpServer) -> None:
    smtp_server.recorder.defer = 2
    tokens = invite(store, ("Busy", "busy@example.com", "en"))
    pauses = Pauses()
    (outcome,) = send_invitations(
        store, settings_for(smtp_server), links(tokens), actor="rita", sleep=pauses
    )
    assert (outcome.status, outcome.attempts) == ("sent", 3)
    assert pauses.seconds == [1.0, 4.0]
    assert smtp_server.recorder.data_commands == 3
    assert len(smtp_server.recorder.messages) == 1


def test_an_unreachable_server_is_recorded_and_retried_by_a_later_run(
    store: Store, smtp_server: SmtpServer
) -> None:
    down = unreachable()
    tokens = invite(store, ("Ann", "ann@example.com", "en"), ("Ben", "ben@example.com", "zh"))
    pauses = Pauses()
    start = utcnow()
    first, second = send_invitations(
        store, down, links(tokens), actor="rita", sleep=pauses, clock=lambda: start
    )
    assert (first.status, first.attempts) == ("failed", 3)
    assert first.error is not None
    assert first.error.startswith("cannot reach the SMTP server")
    assert (second.status, second.attempts) == ("failed", 0)  # not tried once the server was down
    assert first.retry_at == start + dt.timedelta(minutes=15)
    assert second.retry_at == start + dt.timedelta(minutes=15)
    assert pauses.seconds == [1.0, 4.0]
    mail = MailStore(store)
    assert [(d.status, d.attempts) for d in mail.deliveries()] == [("failed", 3), ("failed", 0)]

    # too early: nothing is due; after the back-off both go out through the server that is up
    assert send_reminders(store, settings_for(smtp_server), actor="cron", clock=lambda: start) == []
    later = start + dt.timedelta(minutes=16)
    outcomes = send_reminders(
        store, settings_for(smtp_server), actor="cron", base_url=PUBLIC, clock=lambda: later
    )
    assert [(o.kind, o.status) for o in outcomes] == [("invitation", "sent")] * 2
    assert [(d.status, d.attempts) for d in mail.deliveries()] == [("sent", 4), ("sent", 1)]
    (ann,) = smtp_server.recorder.to("ann@example.com")
    (ben,) = smtp_server.recorder.to("ben@example.com")
    assert ben["Subject"] == "邀请您参加客户服务情境判断测验"
    # the retried message carries a fresh link that opens the same invitation
    token = LINK.findall(text_part(ann))[0]
    assert token != tokens[0]
    assert store.resolve_token(token).invitation_id == store.resolve_token(tokens[0]).invitation_id


def test_temporary_failures_stop_after_the_last_round(store: Store) -> None:
    down = unreachable()
    invite(store, ("Ann", "ann@example.com", "en"))
    tokens = invite(store, ("Cy", "cy@example.com", "en"))
    now = utcnow()
    clock = lambda: now  # noqa: E731
    send_invitations(store, down, links(tokens), actor="rita", sleep=Pauses(), clock=clock)
    waits = []
    for _ in range(5):
        record = MailStore(store).deliveries()[-1]
        if record.next_attempt_at is None:
            break
        waits.append(record.next_attempt_at - now)
        now = record.next_attempt_at
        send_reminders(store, down, actor="cron", sleep=Pauses(), clock=clock)
    minutes = [wait / dt.timedelta(minutes=1) for wait in waits]
    assert minutes == [15, 60, 240]
    record = MailStore(store).deliveries()[-1]
    assert (record.status, record.attempts, record.next_attempt_at) == ("failed", 12, None)


def _send_all(store: Store, server: SmtpServer, people: list[tuple[str, str, str]]) -> list[str]:
    tokens = invite(store, *people)
    outcomes = send_invitations(store, settings_for(server), links(tokens), actor="rita")
    assert all(o.status == "sent" for o in outcomes)
    return tokens


def test_reminders_go_to_open_invitations_only(store: Store, smtp_server: SmtpServer) -> None:
    people = [
        ("Nia", "nia@example.com", "en"),  # not started
        ("Ole", "ole@example.com", "zh"),  # started, not finished
        ("Pat", "pat@example.com", "en"),  # completed
        ("Quy", "quy@example.com", "en"),  # expired before starting
        ("Ria", "ria@example.com", "en"),  # purged
    ]
    tokens = _send_all(store, smtp_server, people)
    started = store.start_session(store.resolve_token(tokens[1]), "zh", None)
    done = store.start_session(store.resolve_token(tokens[2]), "en", None)
    store.complete_session(done, [], {})
    ole = store.resolve_token(tokens[1])
    with store.transaction() as db:
        db.execute(
            update(Candidate)
            .where(Candidate.display_name == "Ria")
            .values(purged_at=utcnow(), email=None, display_name=None)
        )
    smtp_server.recorder.messages.clear()

    now = utcnow()
    assert due_reminders(store, now + dt.timedelta(days=2)) == []  # too soon
    later = now + REMIND_AFTER
    quy_expired = later + dt.timedelta(days=30)
    assert {t.name for t in due_reminders(store, later)} == {"Nia", "Ole", "Quy"}
    assert {t.name for t in due_reminders(store, quy_expired)} == {"Ole"}  # others expired

    preview = send_reminders(store, None, actor="cron", dry_run=True, clock=lambda: later)
    assert [(o.name, o.status) for o in preview] == [("Nia", "due"), ("Ole", "due"), ("Quy", "due")]
    assert not smtp_server.recorder.messages
    assert len(MailStore(store).deliveries()) == 5

    outcomes = send_reminders(
        store, settings_for(smtp_server), actor="cron", base_url=PUBLIC, clock=lambda: later
    )
    assert [(o.name, o.kind, o.status) for o in outcomes] == [
        ("Nia", "reminder", "sent"), ("Ole", "reminder", "sent"), ("Quy", "reminder", "sent")
    ]  # fmt: skip
    received = {str(m["To"]).split("<")[-1].rstrip(">"): m for m in smtp_server.recorder.messages}
    assert set(received) == {"nia@example.com", "ole@example.com", "quy@example.com"}
    waiting = "Reminder: your situational-judgement test is waiting"
    assert received["nia@example.com"]["Subject"] == waiting
    assert received["ole@example.com"]["Subject"] == "提醒：请完成您的情境判断测验"
    # the reminder's link is new and takes Ole back to the session already started
    token = LINK.findall(text_part(received["ole@example.com"]))[0]
    assert token != tokens[1]
    assert store.session_id_for_token(token) == started
    assert store.resolve_token(token).invitation_id == ole.invitation_id
    assert "已作答的内容均已保存" in text_part(received["ole@example.com"])

    # not again before REMIND_AFTER, and at most MAX_REMINDERS (2) per invitation
    assert due_reminders(store, later + dt.timedelta(days=1)) == []
    second = later + REMIND_AFTER
    assert {t.name for t in due_reminders(store, second)} == {"Nia", "Ole", "Quy"}
    send_reminders(store, settings_for(smtp_server), actor="cron", clock=lambda: second)
    assert due_reminders(store, second + 2 * REMIND_AFTER) == []


def test_dry_run_needs_no_settings_and_a_real_run_does(store: Store) -> None:
    with pytest.raises(ValueError, match="e-mail is not configured"):
        send_reminders(store, None, actor="cron")
    assert send_reminders(store, None, actor="cron", dry_run=True) == []


def test_outcome_is_a_frozen_value() -> None:
    outcome = MailOutcome("C1", "Ann", "invitation", "sent", 1)
    with pytest.raises(AttributeError):
        outcome.status = "failed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "stored", ["a,b@x.com", "a<b>@x.com", "victim@corp.example(.evil.example)", "r@x.com\u202e"]
)
def test_an_unusable_stored_address_fails_alone_and_the_batch_goes_on(
    store: Store, smtp_server: SmtpServer, stored: str
) -> None:
    """An address stored before addresses were checked strictly: its recipient gets a failed
    delivery, nothing goes to a mailbox other than the one shown, and the others get their mail."""
    tokens = invite(
        store, *[(name, f"{name.lower()}@example.com", "en") for name in ("Ann", "Odd", "Zoe")]
    )
    odd = store.resolve_token(tokens[1]).candidate_id
    with store.transaction() as db:
        db.execute(update(Candidate).where(Candidate.id == odd).values(email=stored))
    outcomes = send_invitations(store, settings_for(smtp_server), links(tokens), actor="rita")
    assert [o.status for o in outcomes] == ["sent", "failed", "sent"]
    assert (outcomes[1].attempts, outcomes[1].retry_at) == (1, None)
    assert outcomes[1].error is not None
    assert "invite the candidate again" in outcomes[1].error
    assert stored not in outcomes[1].error  # the address stays out of the log
    received = [m["To"].addresses[0].addr_spec for m in smtp_server.recorder.messages]
    assert received == ["ann@example.com", "zoe@example.com"]
    statuses = {d.candidate_id: d.status for d in MailStore(store).deliveries()}
    assert statuses[odd] == "failed"
    assert "queued" not in statuses.values()
