"""A local SMTP server (aiosmtpd) for the e-mail tests: records messages, can refuse or defer.

Use the ``smtp_server`` fixture; ``smtp_env`` points the ``SJT_SMTP_*`` settings at it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

SENDER = "Acme Recruiting <jobs@acme.example>"


@dataclass
class Recorder:
    """aiosmtpd handler keeping accepted messages; ``refuse`` maps an address to a reply for
    RCPT, ``defer`` is how many next DATA commands get a temporary 451."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    defer: int = 0
    data_commands: int = 0

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.data_commands += 1
        if self.defer > 0:
            self.defer -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    def env(self) -> dict[str, str]:
        return {
            "SJT_SMTP_HOST": self.host,
            "SJT_SMTP_PORT": str(self.port),
            "SJT_SMTP_STARTTLS": "false",
            "SJT_SMTP_FROM": SENDER,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A local SMTP server on a free port, stopped after the test."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, recorder)
    finally:
        controller.stop()


@pytest.fixture
def smtp_env(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """``smtp_server`` with the ``SJT_SMTP_*`` variables pointing at it."""
    for name, value in smtp_server.env().items():
        monkeypatch.setenv(name, value)
    return smtp_server


def text_part(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def html_part(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]
