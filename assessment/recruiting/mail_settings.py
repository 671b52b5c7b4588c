"""SMTP settings of the invitation e-mails, from the environment or Streamlit secrets.

Settings (environment variable, or the same name at the top level of
``.streamlit/secrets.toml``, or the short key in its ``[smtp]`` table):

=====================  ===========  ==========================================================
variable               ``[smtp]``   meaning
=====================  ===========  ==========================================================
``SJT_SMTP_HOST``      host         SMTP server; without it e-mail is not configured
``SJT_SMTP_PORT``      port         default 587; 465 means TLS from the start (SMTPS)
``SJT_SMTP_STARTTLS``  starttls     true/false, default true (ignored on port 465)
``SJT_SMTP_USER``      user         login name (optional; needs an encrypted connection)
``SJT_SMTP_PASSWORD``  password     its password
``SJT_SMTP_FROM``      from         sender, ``jobs@example.com`` or ``Acme <jobs@example.com>``
``SJT_MAIL_CONTACT``   contact      whom candidates ask for adjustments (default: the sender)
=====================  ===========  ==========================================================

The environment wins over the secrets file. Without a host the product works without e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from assessment.errors import MailSettingsError

SETTINGS: dict[str, str] = {
    "SJT_SMTP_HOST": "host",
    "SJT_SMTP_PORT": "port",
    "SJT_SMTP_STARTTLS": "starttls",
    "SJT_SMTP_USER": "user",
    "SJT_SMTP_PASSWORD": "password",
    "SJT_SMTP_FROM": "from",
    "SJT_MAIL_CONTACT": "contact",
}
"""Environment variable → key in the ``[smtp]`` table of the Streamlit secrets."""
DEFAULT_PORT = 587
SMTPS_PORT = 465
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_LINE_BREAK = re.compile(r"[\r\n]")
NOT_CONFIGURED = (
    "e-mail is not configured: set SJT_SMTP_HOST and SJT_SMTP_FROM (and, as needed, "
    "SJT_SMTP_PORT, SJT_SMTP_STARTTLS, SJT_SMTP_USER, SJT_SMTP_PASSWORD) in the environment "
    "or in the [smtp] table of .streamlit/secrets.toml"
)


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server and whom the e-mails come from."""

    host: str
    port: int
    starttls: bool
    sender_name: str
    sender_address: str
    contact: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (SMTPS, port 465) rather than STARTTLS."""
        return self.port == SMTPS_PORT

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls

    @property
    def sender(self) -> Address:
        """The From address."""
        return Address(display_name=self.sender_name, addr_spec=self.sender_address)


def _raw(environ: Mapping[str, str], secrets: Mapping[str, Any]) -> dict[str, str]:
    table = secrets.get("smtp")
    table = table if isinstance(table, Mapping) else {}
    values = {}
    for variable, key in SETTINGS.items():
        for source in (environ.get(variable), secrets.get(variable), table.get(key)):
            if source is not None and str(source).strip() != "":
                values[key] = str(source).strip()
                break
    return values


def smtp_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> SmtpSettings | None:
    """The SMTP settings, or None when no SMTP host is set (e-mail not configured).

    Parameters
    ----------
    environ : mapping, optional
        Environment variables (``os.environ`` in the app and the CLI).
    secrets : mapping, optional
        The Streamlit secrets (top-level ``SJT_SMTP_*`` keys or an ``[smtp]`` table).

    Raises
    ------
    MailSettingsError
        A host is set but a setting is missing or malformed; every problem is named.
    """
    values = _raw(environ or {}, secrets or {})
    if "host" not in values:
        return None
    problems = []
    host = values["host"]
    port = DEFAULT_PORT
    if "port" in values:
        try:
            port = int(values["port"])
        except ValueError:
            port = 0
        if not 1 <= port <= 65535:
            problems.append(f"SJT_SMTP_PORT must be a port number, got {values['port'][:20]!r}")
    starttls = True
    if "starttls" in values:
        flag = values["starttls"].lower()
        if flag not in _TRUE | _FALSE:
            problems.append(
                f"SJT_SMTP_STARTTLS must be true or false, got {values['starttls'][:20]!r}"
            )
        starttls = flag in _TRUE
    name, address = parseaddr(values.get("from", ""))
    if "from" not in values:
        problems.append("SJT_SMTP_FROM (the sender address) is not set")
    elif not _ADDRESS.match(address) or _LINE_BREAK.search(values["from"]):
        problems.append(f"SJT_SMTP_FROM is not an e-mail address: {values['from'][:80]!r}")
    contact = values.get("contact", address)
    if _LINE_BREAK.search(contact):
        problems.append("SJT_MAIL_CONTACT must be one line")
    user, password = values.get("user"), values.get("password")
    if user and password is None:
        problems.append("SJT_SMTP_USER is set but SJT_SMTP_PASSWORD is not")
    encrypted = port == SMTPS_PORT or starttls
    if user and not encrypted and host.lower() not in LOCAL_HOSTS:
        problems.append(
            "SJT_SMTP_USER is set but the connection is not encrypted: set "
            "SJT_SMTP_STARTTLS=true or use port 465, so the password is not sent in clear"
        )
    if problems:
        raise MailSettingsError("the SMTP settings have problems: " + "; ".join(problems))
    return SmtpSettings(
        host=host,
        port=port,
        starttls=starttls,
        sender_name=name,
        sender_address=address,
        contact=contact,
        user=user,
        password=password,
    )


__all__ = ["NOT_CONFIGURED", "SETTINGS", "SmtpSettings", "smtp_settings"]
