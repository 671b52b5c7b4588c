"""Organisation settings: precedence, checks, the public URL and the consent notice."""

from __future__ import annotations

import pytest

from assessment.delivery.consent import consent_notice
from assessment.errors import SettingsError
from assessment.recruiting.invitations import (
    InvitationRequest,
    invitation_link,
    link_base,
    links_csv,
)
from assessment.settings import (
    Settings,
    public_url,
    resolve_settings,
    retention_days,
    served_url,
    setting_problem,
    setting_values,
)


def test_environment_overrides_stored_values_over_defaults() -> None:
    stored = {"employer_name": "Stored Ltd", "retention_months": "6"}
    environ = {"SJT_EMPLOYER_NAME": "Env Ltd"}
    settings = resolve_settings(stored, environ)
    assert settings.employer_name == "Env Ltd"
    assert settings.retention_months == 6
    assert resolve_settings({}, {}).retention_months == 12
    sources = {v.key: v.source for v in setting_values(stored, environ)}
    assert sources["employer_name"] == "environment variable SJT_EMPLOYER_NAME"
    assert sources["retention_months"] == "sjt settings"
    assert sources["privacy_contact"] == "default"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("retention_months", "0", "from 1 to 120"),
        ("retention_months", "twelve", "whole number"),
        ("public_url", "sjt.example.com", "http(s) address"),
        ("public_url", "https://sjt.example.com/?x=1", "must not contain"),
        ("employer_name", "Acme\nLtd", "line breaks"),
        ("employer_name", "x" * 201, "at most 200"),
        ("colour", "blue", "unknown setting 'colour'"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(key: str, value: str, message: str) -> None:
    problem = setting_problem(key, value)
    assert problem is not None
    assert message in problem


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="set by environment variable SJT_RETENTION_MONTHS"):
        resolve_settings({}, {"SJT_RETENTION_MONTHS": "-1"})


def test_public_url_defaults_to_the_served_address_and_the_setting_wins() -> None:
    assert served_url({}) == "http://localhost:8501"
    assert served_url({"STREAMLIT_SERVER_PORT": "8611"}) == "http://localhost:8611"
    environ = {"STREAMLIT_SERVER_PORT": "8611", "STREAMLIT_SERVER_BASE_URL_PATH": "/sjt/"}
    assert served_url(environ) == "http://localhost:8611/sjt"
    assert public_url(Settings(), "http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    configured = resolve_settings({"public_url": "https://jobs.example.com/"}, {})
    assert public_url(configured, "http://127.0.0.1:9000") == "https://jobs.example.com"
    legacy = resolve_settings({}, {"SJT_BASE_URL": "https://old.example.com"})
    assert legacy.public_url == "https://old.example.com"


def test_links_printed_outside_the_app_use_the_public_url_or_the_served_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SJT_PUBLIC_URL", "SJT_BASE_URL", "STREAMLIT_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8611")
    assert invitation_link("tok") == "http://localhost:8611/?token=tok"
    assert link_base(environ={"SJT_PUBLIC_URL": "https://x.example"}) == "https://x.example"
    request = InvitationRequest("Ann", "ann@example.com")
    assert (
        links_csv([("C1", "tok")], [request])
        .splitlines()[1]
        .endswith("http://localhost:8611/?token=tok")
    )


def test_retention_in_days_never_falls_short_of_the_months_stated() -> None:
    assert retention_days(12) == 366
    assert retention_days(1) == 31


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_consent_notice_states_employer_purpose_retention_and_contact(
    language: str,
) -> None:
    settings = resolve_settings(
        {
            "employer_name": "Harbour Telecom",
            "employer_name_zh": "海港电信",
            "consent_purpose": "To select agents for the Harbour contact centre",
            "consent_purpose_zh": "用于选拔海港客服中心的客服人员",
            "retention_months": "9",
            "privacy_contact": "privacy@harbour.example",
        },
        {},
    )
    notice = consent_notice(settings, language)  # type: ignore[arg-type]
    employer = "海港电信" if language == "zh" else "Harbour Telecom"
    assert notice.employer == employer
    assert notice.retention_months == 9
    text = notice.text
    for part in (employer, "privacy@harbour.example", settings.purpose(language)):
        assert part
        assert part in text
    assert ("9 个月" if language == "zh" else "9 months") in text
    if language == "en":
        assert "To select agents for the Harbour contact centre. The profile" in text
    else:
        assert "用于选拔海港客服中心的客服人员。该概况" in text
    assert len(notice.sections) == 4


def test_the_notice_without_settings_is_complete_and_names_no_one() -> None:
    notice = consent_notice(Settings(), "en")
    assert notice.employer is None
    assert notice.contact is None
    assert "The employer who invited you" in notice.text
    assert "12 months" in notice.text
    assert "never the only basis for a hiring decision" in notice.text
