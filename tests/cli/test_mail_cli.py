"""``sjt invite --send`` and ``sjt remind`` against a local SMTP server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from assessment.clock import utcnow
from assessment.persistence.mail_store import MailStore
from assessment.persistence.mail_tables import EmailDelivery
from assessment.persistence.store import Store
from cli.main import app
from tests.mail_server import SmtpServer, smtp_env, smtp_server, text_part

__all__ = ["smtp_env", "smtp_server"]  # fixtures, imported for pytest

PUBLIC = "https://jobs.acme.example/sjt"
INVITATION_EN = "Your invitation to the customer-service situational-judgement test"
runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'sjt.db'}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    monkeypatch.setenv("SJT_BASE_URL", PUBLIC)
    for name in ("SJT_SMTP_HOST", "SJT_SMTP_FROM", "SJT_SMTP_PORT", "SJT_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    return url


def sjt(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_invite_one_person_and_send_the_invitation(database: str, smtp_env: SmtpServer) -> None:
    code, out, err = sjt(
        "invite", "--name", "陈美玲", "--email", "mei@example.com", "--language", "zh", "--send"
    )
    assert code == 0, err
    candidate_id, *_, link = out.strip().split("\t")
    assert link.startswith(f"{PUBLIC}/?token=")
    (message,) = smtp_env.recorder.messages
    assert message["Subject"] == "邀请您参加客户服务情境判断测验"
    assert str(message["To"]) == "陈美玲 <mei@example.com>"
    assert link in text_part(message)
    store = Store.open(database)
    assert store.resolve_token(link.split("=", 1)[1]).candidate_id == candidate_id
    candidate = store.candidate(candidate_id)
    assert candidate is not None
    assert candidate.display_name == "陈美玲"
    (delivery,) = MailStore(store).deliveries()
    assert (delivery.status, delivery.kind, delivery.language) == ("sent", "invitation", "zh")


def test_invite_a_csv_list_and_send(database: str, smtp_env: SmtpServer, tmp_path: Path) -> None:
    smtp_env.recorder.refuse["bad@example.com"] = "550 5.1.1 mailbox unavailable"
    listing = tmp_path / "people.csv"
    listing.write_text(
        "name,email,language\nSam,sam@example.com,en\nLi,li@example.com,zh\n"
        "Bad,bad@example.com,en\n",
        encoding="utf-8",
    )
    code, out, err = sjt("invite", "--csv", listing, "--send")
    assert code == 1  # one e-mail failed; the links were created and printed all the same
    assert len(out.strip().splitlines()) == 3
    assert "550 5.1.1 mailbox unavailable" in err
    assert "1 of 3 e-mail(s) failed" in err
    subjects = {str(m["To"]): m["Subject"] for m in smtp_env.recorder.messages}
    assert subjects == {
        "Sam <sam@example.com>": INVITATION_EN,
        "Li <li@example.com>": "邀请您参加客户服务情境判断测验",
    }
    statuses = sorted(d.status for d in MailStore(Store.open(database)).deliveries())
    assert statuses == ["failed", "sent", "sent"]


def test_send_without_smtp_settings_is_refused_before_anything_is_created(
    database: str,
) -> None:
    code, out, err = sjt("invite", "--name", "Sam", "--email", "sam@example.com", "--send")
    assert code == 1
    assert "e-mail is not configured: set SJT_SMTP_HOST and SJT_SMTP_FROM" in err
    assert out == ""
    assert Store.open(database).count_candidates() == 0


def test_invite_without_send_needs_no_smtp(database: str) -> None:
    code, out, err = sjt("invite", "--name", "Sam", "--email", "sam@example.com")
    assert code == 0, err
    assert out.count(f"{PUBLIC}/?token=") == 1
    code, _, err = sjt("invite", "--send")
    assert code == 2
    assert "--send needs --name and --email, or --csv FILE" in err
    code, _, err = sjt("invite", "--name", "Sam")
    assert code == 2
    assert "--name and --email go together" in err


def test_remind_dry_run_then_send(database: str, smtp_env: SmtpServer) -> None:
    code, out, err = sjt("invite", "--name", "Sam", "--email", "sam@example.com", "--send")
    assert code == 0, err
    candidate_id = out.split("\t")[0]
    store = Store.open(database)
    four_days_ago = utcnow() - dt.timedelta(days=4)
    with store.transaction() as db:  # the invitation e-mail went out four days ago
        db.execute(update(EmailDelivery).values(sent_at=four_days_ago))
    smtp_env.recorder.messages.clear()
    code, out, err = sjt("remind", "--dry-run")
    assert code == 0, err
    assert out.strip() == f"{candidate_id}\treminder\tdue"
    assert "would send 1 e-mail(s)" in err
    assert not smtp_env.recorder.messages
    code, out, err = sjt("remind")
    assert code == 0, err
    assert out.strip() == f"{candidate_id}\treminder\tsent"
    (message,) = smtp_env.recorder.messages
    assert message["Subject"] == "Reminder: your situational-judgement test is waiting"
    assert f"{PUBLIC}/?token=" in text_part(message)
    code, out, _ = sjt("remind")
    assert (code, out) == (0, "")  # nothing due again so soon


def test_invite_send_refuses_odd_addresses_by_line_before_creating_anything(
    database: str, smtp_env: SmtpServer, tmp_path: Path
) -> None:
    """An accepted odd address used to crash the batch half-way: links lost, later people
    never mailed, `error: Invalid addr_spec…` without the row."""
    listing = tmp_path / "people.csv"
    listing.write_text(
        'name,email\nSam,sam@example.com\nAl,"a,b@x.com"\nVic,victim@corp.example(.evil.example)\n',
        encoding="utf-8",
    )
    code, out, err = sjt("invite", "--csv", listing, "--send")
    assert code == 1
    assert out == ""
    assert "line 3: email 'a,b@x.com' is not a plain address" in err
    assert "line 4: email 'victim@corp.example(.evil.example)' is not a plain address" in err
    assert "Traceback" not in err
    code, out, err = sjt("invite", "--name", "Rita", "--email", "rita@x.com\u202e", "--send")
    assert code == 1
    assert "email 'rita@x.com\\u202e' contains spaces, control or direction-changing" in err
    assert smtp_env.recorder.messages == []
    store = Store.open(database)
    assert store.audit_entries("invite") == []
    assert MailStore(store).deliveries() == []
