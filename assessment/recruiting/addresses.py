"""Which e-mail addresses an invitation accepts: plain ``local@domain``, as the mailer reads it.

The mailer builds the ``To`` header with ``email.headerregistry.Address``, so an address is
parsed here by the same library, and accepted only when what it parses is exactly what was
typed. That refuses what the library rejects later (``a,b@x.com``, ``a<b>@x.com``: an invitation
batch used to crash half-way through sending) and what it reads differently from what the
recruiter sees (``victim@corp.example(.evil.example)``: the comment is dropped and the mail goes
to ``victim@corp.example``). Display names, quoted local parts, domain literals, white space and
control, format or bidirectional characters (U+202E turns the address around on screen) are
refused too.
"""

from __future__ import annotations

import re
from email.errors import MessageError
from email.headerregistry import Address

from assessment.text_rules import has_invisible_characters

MAX_EMAIL = 320
_DOMAIN_LABEL = re.compile(r"^[^\W_]([\w-]*[^\W_])?$")


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an address an invitation may go to (None: it is fine).

    The message names the address (its first 60 characters, quoted) and what to change.
    """
    shown = repr(text[:60])
    if not text:
        return "email is empty"
    if len(text) > MAX_EMAIL:
        return f"email {shown} is longer than {MAX_EMAIL} characters"
    if has_invisible_characters(text):
        return (
            f"email {shown} contains spaces, control or direction-changing characters; "
            "type the address again by hand"
        )
    if text.count("@") != 1:
        return f"email {shown} is not an email address (write name@example.com)"
    if any(ch in text for ch in '"()<>[],;:\\'):
        return (
            f"email {shown} is not a plain address; write only name@example.com "
            "(no display name, comment, quotes or list)"
        )
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, MessageError):
        return f"email {shown} is not an email address"
    domain_labels = parsed.domain.split(".")
    if (
        parsed.addr_spec != text
        or not parsed.username
        or len(domain_labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in domain_labels)
    ):
        return f"email {shown} is not an email address"
    return None


__all__ = ["MAX_EMAIL", "email_problem"]
