"""SMTP settings from the environment or the Streamlit secrets, and their error messages."""

from __future__ import annotations

import pytest

from assessment.errors import MailSettingsError
from assessment.recruiting.mail_settings import smtp_settings

BASE = {"SJT_SMTP_HOST": "smtp.acme.example", "SJT_SMTP_FROM": "Acme HR <hr@acme.example>"}


def test_without_a_host_email_is_not_configured() -> None:
    assert smtp_settings({}) is None
    assert smtp_settings({"SJT_SMTP_FROM": "hr@acme.example"}, {"smtp": {"port": 25}}) is None


def test_defaults_are_submission_port_with_starttls() -> None:
    settings = smtp_settings(BASE)
    assert settings is not None
    assert (settings.port, settings.starttls, settings.implicit_tls) == (587, True, False)
    assert (settings.sender_name, settings.sender_address) == ("Acme HR", "hr@acme.example")
    assert settings.contact == "hr@acme.example"
    assert "secret" not in repr(smtp_settings({**BASE, "SJT_SMTP_USER": "u",
                                               "SJT_SMTP_PASSWORD": "secret"}))  # fmt: skip


def test_secrets_table_is_read_and_the_environment_wins() -> None:
    secrets = {
        "smtp": {
            "host": "mail.internal",
            "port": 465,
            "from": "jobs@acme.example",
            "user": "jobs",
            "password": "pw",
            "contact": "Ms Lee, +44 20 7946 0000",
        }
    }
    settings = smtp_settings({}, secrets)
    assert settings is not None
    assert (settings.host, settings.port, settings.implicit_tls) == ("mail.internal", 465, True)
    assert (settings.user, settings.password) == ("jobs", "pw")
    assert settings.contact == "Ms Lee, +44 20 7946 0000"
    settings = smtp_settings({"SJT_SMTP_HOST": "override.example"}, secrets)
    assert settings is not None
    assert settings.host == "override.example"
    top_level = smtp_settings({}, {"SJT_SMTP_HOST": "top.example", "SJT_SMTP_FROM": "a@b.example"})
    assert top_level is not None
    assert top_level.host == "top.example"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SJT_SMTP_PORT": "smtp"}, "SJT_SMTP_PORT must be a port number, got 'smtp'"),
        ({"SJT_SMTP_PORT": "70000"}, "SJT_SMTP_PORT must be a port number"),
        ({"SJT_SMTP_STARTTLS": "maybe"}, "SJT_SMTP_STARTTLS must be true or false, got 'maybe'"),
        ({"SJT_SMTP_FROM": "not an address"}, "SJT_SMTP_FROM is not an e-mail address"),
        ({"SJT_SMTP_USER": "jobs"}, "SJT_SMTP_USER is set but SJT_SMTP_PASSWORD is not"),
        (
            {"SJT_SMTP_USER": "jobs", "SJT_SMTP_PASSWORD": "pw", "SJT_SMTP_STARTTLS": "false"},
            "the connection is not encrypted",
        ),
    ],
)
def test_each_problem_is_named(extra: dict[str, str], message: str) -> None:
    with pytest.raises(MailSettingsError, match=message):
        smtp_settings({**BASE, **extra})


def test_missing_sender_is_named() -> None:
    with pytest.raises(MailSettingsError, match=r"SJT_SMTP_FROM \(the sender address\) is not set"):
        smtp_settings({"SJT_SMTP_HOST": "smtp.acme.example"})
