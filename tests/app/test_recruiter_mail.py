"""AppTests of the e-mail parts of the recruiter page, against a local SMTP server."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from assessment.clock import utcnow
from assessment.persistence.mail_store import MailStore
from assessment.persistence.mail_tables import EmailDelivery
from assessment.persistence.store import Store
from tests.app.conftest import ROOT
from tests.app.staff import sign_in_as
from tests.mail_server import SmtpServer, smtp_env, smtp_server, text_part

__all__ = ["smtp_env", "smtp_server"]  # fixtures, imported for pytest

RECRUITER_PAGE = ROOT / "app_pages" / "recruiter.py"
PUBLIC = "https://assess.acme.example"


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SJT_BASE_URL", PUBLIC)
    for name in ("SJT_SMTP_HOST", "SJT_SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    return PUBLIC


def page(store: Store, tab: str | None = None, mode: str | None = None) -> AppTest:
    app = AppTest.from_file(str(RECRUITER_PAGE), default_timeout=60)
    sign_in_as(app, store, "rita", "recruiter")
    if tab is not None:
        app.session_state["recruiter_tab"] = tab
    if mode is not None:
        app.session_state["invite_mode"] = mode
    return app.run()


def texts(app: AppTest, kind: str) -> list[str]:
    return [str(element.value) for element in getattr(app, kind)]


def test_without_smtp_the_invite_tab_says_email_is_not_configured(
    app_store: Store, public_url: str
) -> None:
    app = page(app_store)
    assert not app.exception
    assert not [c for c in app.checkbox if c.label.startswith("E-mail")]
    assert any("E-mail is not configured" in text for text in texts(app, "caption"))
    app.text_input[0].input("Sam")
    app.text_input[1].input("sam@example.com")
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert f"{PUBLIC}/?token=" in str(app.code[0].value)  # links work as before
    assert MailStore(app_store).deliveries() == []
    app = page(app_store, "Candidates")
    assert not app.exception
    assert not [b for b in app.button if b.label == "Send reminders"]


def test_one_invitation_is_emailed_and_its_status_shown(
    app_store: Store, public_url: str, smtp_env: SmtpServer
) -> None:
    app = page(app_store)
    mail = [c for c in app.checkbox if c.label.startswith("E-mail")]
    assert [c.label for c in mail] == ["E-mail the invitation to the candidate"]
    assert mail[0].value is True
    app.text_input[0].input("陈美玲")
    app.text_input[1].input("mei@example.com")
    app.selectbox[1].set_value("zh")
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert "Sent 1 invitation e-mail." in texts(app, "success")
    (message,) = smtp_env.recorder.messages
    assert message["Subject"] == "邀请您参加客户服务情境判断测验"
    shown = re.search(r"https://\S+", str(app.code[0].value))
    assert shown is not None
    assert shown.group(0) in text_part(message)

    app = page(app_store, "Candidates")
    assert not app.exception
    table = app.dataframe[0].value
    assert table["email_status"].iloc[0].startswith("Invitation sent ")


def test_a_csv_list_is_emailed_and_failures_are_listed(
    app_store: Store, public_url: str, smtp_env: SmtpServer
) -> None:
    smtp_env.recorder.refuse["bad@example.com"] = "550 5.1.1 mailbox unavailable"
    app = page(app_store, mode="Upload a list (CSV)")
    data = b"name,email,language\nSam,sam@example.com,en\nBad,bad@example.com,zh\n"
    app.file_uploader[0].set_value(("people.csv", data, "text/csv"))
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert "Sent 1 invitation e-mail." in texts(app, "success")
    assert any("1 e-mail did not go out" in text for text in texts(app, "warning"))
    failures = app.dataframe[0].value
    assert list(failures["Name"]) == ["Bad"]
    assert "550 5.1.1 mailbox unavailable" in failures["Error"].iloc[0]
    assert [str(m["To"]) for m in smtp_env.recorder.messages] == ["Sam <sam@example.com>"]

    app = page(app_store, "Candidates")
    table = app.dataframe[0].value
    statuses = dict(zip(table["name"], table["email_status"], strict=True))
    assert re.fullmatch(
        r"Invitation failed \(1 attempt, last \d\d \w{3} \d\d:\d\d UTC\): "
        r"recipient refused: 550 5\.1\.1 mailbox unavailable",
        statuses["Bad"],
    )
    assert statuses["Sam"].startswith("Invitation sent ")


def test_the_reminder_button_sends_the_due_reminders(
    app_store: Store, public_url: str, smtp_env: SmtpServer
) -> None:
    app = page(app_store)
    app.text_input[0].input("Sam")
    app.text_input[1].input("sam@example.com")
    app.button[0].click().run()
    app = page(app_store, "Candidates")
    assert not [b for b in app.button if b.label == "Send reminders"]  # nothing due yet
    with app_store.transaction() as db:
        db.execute(update(EmailDelivery).values(sent_at=utcnow() - dt.timedelta(days=4)))
    smtp_env.recorder.messages.clear()
    app = page(app_store, "Candidates")
    assert any("1 e-mail is due" in text for text in texts(app, "markdown"))
    (button,) = [b for b in app.button if b.label == "Send reminders"]
    app = button.click().run()
    assert not app.exception
    assert "Sent 1 e-mail." in texts(app, "success")
    (message,) = smtp_env.recorder.messages
    assert message["Subject"] == "Reminder: your situational-judgement test is waiting"
    assert f"{PUBLIC}/?token=" in text_part(message)


def test_odd_addresses_are_refused_with_their_field_and_line_and_nothing_is_created(
    app_store: Store, public_url: str, smtp_env: SmtpServer
) -> None:
    app = page(app_store)
    app.text_input[0].input("Vic")
    app.text_input[1].input("victim@corp.example(.evil.example)")  # mail went to corp.example
    app.button[0].click().run()
    assert not app.exception
    shown = [re.sub(r"\\(.)", r"\1", t).replace("\u200b", "") for t in texts(app, "error")]
    assert any(
        "email 'victim@corp.example(.evil.example)' is not a plain address" in t for t in shown
    )
    app = page(app_store, mode="Upload a list (CSV)")
    data = b'name,email\nSam,sam@example.com\nAl,"a,b@x.com"\nBo,a<b>@x.com\n'
    app.file_uploader[0].set_value(("people.csv", data, "text/csv"))
    app.button[0].click().run()
    assert not app.exception
    listed = str(app.code[-1].value)
    assert "line 3: email 'a,b@x.com'" in listed
    assert "line 4: email 'a<b>@x.com'" in listed
    assert app_store.audit_entries("invite") == []
    assert smtp_env.recorder.messages == []


def test_the_links_stay_on_screen_when_sending_fails_outright(
    app_store: Store, public_url: str, smtp_env: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only hashes of the tokens are stored: links not shown are lost for good."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the mailer broke")

    monkeypatch.setattr("app_pages.recruiter_mail.send_invitations", broken)
    app = page(app_store)
    app.text_input[0].input("Sam")
    app.text_input[1].input("sam@example.com")
    app.button[0].click().run()
    assert app.exception  # the failure itself is not hidden …
    app.run()
    assert f"{PUBLIC}/?token=" in str(app.code[0].value)  # … and the link is still there
