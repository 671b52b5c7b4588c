"""Organisation settings: configured once, read by the app and the command line alike.

Each setting has a key, stored in the database with ``sjt settings set KEY VALUE``, and an
environment variable that overrides the stored value (for deployments configured from the
environment). ``resolve_settings`` merges the two with the defaults, checks every value and
returns a frozen ``Settings``; nothing here touches the database or Streamlit.

The public URL is the address candidates open. Without a setting it is the address the app
is served on: in the app, the address the browser used; on the command line, Streamlit's
``server.port`` from ``STREAMLIT_SERVER_PORT`` (``make run PORT=8611`` sets it), so links
printed by ``sjt demo`` and ``sjt invite`` point at the same server.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from assessment.errors import SettingsError
from assessment.text_rules import has_control_characters

DEFAULT_PORT = 8501
"""Streamlit's default ``server.port``."""
DEFAULT_RETENTION_MONTHS = 12
LEGACY_PUBLIC_URL_ENV = "SJT_BASE_URL"
"""The older name of ``SJT_PUBLIC_URL``, still honoured when the new one is not set."""


def _text(limit: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.strip():
            return "must not be empty (unset it instead)"
        if len(value) > limit:
            return f"must be at most {limit} characters, got {len(value)}"
        if has_control_characters(value):
            return "must not contain line breaks or control characters"
        return None

    return check


def _url(value: str) -> str | None:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) address such as https://sjt.example.com, got {value[:60]!r}"
    if parts.query or parts.fragment:
        return "must not contain ? or #"
    return None


def _months(value: str) -> str | None:
    if not value.strip().isdigit() or not 1 <= int(value) <= 120:
        return f"must be a whole number of months from 1 to 120, got {value[:20]!r}"
    return None


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, the environment variable that overrides it, what it means."""

    key: str
    env: str
    description: str
    check: Callable[[str], str | None]


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "public_url", "SJT_PUBLIC_URL",
        "Address candidates open, used in every invitation link (default: the address the "
        "app is served on).", _url,
    ),
    SettingSpec(
        "employer_name", "SJT_EMPLOYER_NAME",
        "Employer named in the consent notice as responsible for the candidate's data.",
        _text(200),
    ),
    SettingSpec(
        "employer_name_zh", "SJT_EMPLOYER_NAME_ZH",
        "The employer's name in the Chinese consent notice (default: employer_name).",
        _text(200),
    ),
    SettingSpec(
        "consent_purpose", "SJT_CONSENT_PURPOSE",
        "Purpose of the test, one sentence, in the English consent notice.", _text(500),
    ),
    SettingSpec(
        "consent_purpose_zh", "SJT_CONSENT_PURPOSE_ZH",
        "Purpose of the test, one sentence, in the Chinese consent notice.", _text(500),
    ),
    SettingSpec(
        "retention_months", "SJT_RETENTION_MONTHS",
        "Months after a candidate's last activity until their name and e-mail are deleted "
        f"(default {DEFAULT_RETENTION_MONTHS}; `sjt purge` uses it).", _months,
    ),
    SettingSpec(
        "privacy_contact", "SJT_PRIVACY_CONTACT",
        "Where candidates ask for a copy or the deletion of their data (e-mail or phone).",
        _text(200),
    ),
)  # fmt: skip
"""Every setting, in the order ``sjt settings show`` lists them."""
SPECS: dict[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}
DEFAULTS: dict[str, str] = {
    "public_url": "the address the app is served on",
    "retention_months": str(DEFAULT_RETENTION_MONTHS),
}
"""What applies when a setting is not configured, as ``sjt settings show`` states it."""


@dataclass(frozen=True)
class Settings:
    """The organisation settings in force (None: not configured, the default applies)."""

    public_url: str | None = None
    employer_name: str | None = None
    employer_name_zh: str | None = None
    consent_purpose: str | None = None
    consent_purpose_zh: str | None = None
    retention_months: int = DEFAULT_RETENTION_MONTHS
    privacy_contact: str | None = None

    def employer(self, language: str) -> str | None:
        """The employer's name in ``language`` (the English name when no Chinese one is set)."""
        if language == "zh" and self.employer_name_zh:
            return self.employer_name_zh
        return self.employer_name

    def purpose(self, language: str) -> str | None:
        """The configured purpose in ``language`` (None: the standard wording applies)."""
        return self.consent_purpose_zh if language == "zh" else self.consent_purpose


@dataclass(frozen=True)
class SettingValue:
    """A setting as ``sjt settings show`` lists it: value and where it came from."""

    key: str
    value: str | None
    source: str
    """``environment variable NAME``, ``sjt settings`` (the database) or ``default``."""


def setting_problem(key: str, value: str) -> str | None:
    """The message for an unknown key or an invalid value (None when both are fine)."""
    spec = SPECS.get(key)
    if spec is None:
        return f"unknown setting {key[:40]!r}; known settings: {', '.join(SPECS)}"
    problem = spec.check(value)
    return f"{key} {problem}" if problem else None


def _raw_values(
    stored: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """(value, source) of every configured setting: the environment wins over the database."""
    values: dict[str, tuple[str, str]] = {}
    for spec in SETTINGS:
        env = spec.env
        if not environ.get(env) and spec.key == "public_url":
            env = LEGACY_PUBLIC_URL_ENV
        if environ.get(env):
            values[spec.key] = (environ[env], f"environment variable {env}")
        elif stored.get(spec.key):
            values[spec.key] = (stored[spec.key], "sjt settings")
    return values


def setting_values(stored: Mapping[str, str], environ: Mapping[str, str]) -> list[SettingValue]:
    """Every setting with its value and source, for ``sjt settings show``."""
    raw = _raw_values(stored, environ)
    return [
        SettingValue(spec.key, *raw[spec.key])
        if spec.key in raw
        else SettingValue(spec.key, DEFAULTS.get(spec.key), "default")
        for spec in SETTINGS
    ]


def resolve_settings(stored: Mapping[str, str], environ: Mapping[str, str]) -> Settings:
    """The settings in force: environment variables over stored values over defaults.

    Raises
    ------
    SettingsError
        Listing every invalid value with the variable or the database as its source.
    """
    raw = _raw_values(stored, environ)
    problems = [
        f"{problem} (set by {source})"
        for key, (value, source) in raw.items()
        if (problem := setting_problem(key, value))
    ]
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))
    values: dict[str, object] = {key: value.strip() for key, (value, _) in raw.items()}
    if "retention_months" in values:
        values["retention_months"] = int(str(values["retention_months"]))
    if "public_url" in values:
        values["public_url"] = str(values["public_url"]).rstrip("/")
    return Settings(**values)  # type: ignore[arg-type]


def retention_days(months: int) -> float:
    """Whole days in ``months`` average months (30.44 days), never fewer than stated."""
    return float(math.ceil(months * 365.25 / 12))


def served_url(environ: Mapping[str, str]) -> str:
    """The address the Streamlit server is configured to serve on, from its environment.

    ``STREAMLIT_BROWSER_SERVER_ADDRESS`` (default ``localhost``), ``STREAMLIT_BROWSER_SERVER_PORT``
    or ``STREAMLIT_SERVER_PORT`` (default 8501) and ``STREAMLIT_SERVER_BASE_URL_PATH``.
    """
    host = environ.get("STREAMLIT_BROWSER_SERVER_ADDRESS") or "localhost"
    port = (
        environ.get("STREAMLIT_BROWSER_SERVER_PORT")
        or environ.get("STREAMLIT_SERVER_PORT")
        or str(DEFAULT_PORT)
    )
    path = (environ.get("STREAMLIT_SERVER_BASE_URL_PATH") or "").strip("/")
    return f"http://{host}:{port}" + (f"/{path}" if path else "")


def public_url(settings: Settings, served: str) -> str:
    """The base of candidate links: the ``public_url`` setting, else the served address."""
    return (settings.public_url or served).rstrip("/")


__all__ = [
    "SETTINGS",
    "SPECS",
    "SettingSpec",
    "SettingValue",
    "Settings",
    "SettingsError",
    "public_url",
    "resolve_settings",
    "retention_days",
    "served_url",
    "setting_problem",
    "setting_values",
]
