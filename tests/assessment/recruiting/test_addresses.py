"""E-mail addresses of invitations: accepted only when the mailer reads exactly what was typed."""

from __future__ import annotations

import pytest

from assessment.errors import AssessmentError, InvitationFileError
from assessment.persistence.store import Store
from assessment.recruiting.addresses import email_problem
from assessment.recruiting.invitations import (
    InvitationRequest,
    invite_candidates,
    parse_invitation_csv,
    request_from_form,
)

ACCEPTED = [
    "sam@example.com",
    "a.b+tag@mail.example.co.uk",
    "o'brien@example.ie",
    "li_wei-2@sub-domain.example.cn",
    "mei@例子.中国",
]
REFUSED = {
    "a,b@x.com": "not a plain address",  # the mailer's parser stopped at the comma
    "a<b>@x.com": "not a plain address",
    "victim@corp.example(.evil.example)": "not a plain address",  # mail went to corp.example
    "victim(c)@corp.example": "not a plain address",
    "Rita <rita@x.com>": "spaces",
    '"a b"@x.com': "spaces",
    "a@[192.0.2.1]": "not a plain address",
    "rita@x.com\u202e": "direction-changing",  # shown reversed on screen
    "\u200brita@x.com": "direction-changing",
    "rita@x.com\n": "control",
    "rita@@x.com": "not an email address",
    "not-an-email": "not an email address",
    "a..b@x.com": "not an email address",
    "rita@-x.com": "not an email address",
    "rita@x": "not an email address",
    "用户@例子.中国": "not an email address",  # a non-ASCII local part needs SMTPUTF8
    "": "email is empty",
}


@pytest.mark.parametrize("address", ACCEPTED)
def test_plain_addresses_are_accepted(address: str) -> None:
    assert email_problem(address) is None


@pytest.mark.parametrize(("address", "problem"), REFUSED.items())
def test_addresses_the_mailer_would_misread_or_reject_are_refused(
    address: str, problem: str
) -> None:
    found = email_problem(address)
    assert found is not None
    assert problem in found
    assert found.startswith("email")
    assert "\u202e" not in found  # the address is quoted with its invisible characters escaped


def test_the_form_the_list_and_the_batch_name_the_field_and_the_row(store: Store) -> None:
    with pytest.raises(InvitationFileError) as form:
        request_from_form("Vic", "victim@corp.example(.evil.example)")
    assert list(form.value.problems) == [
        "email 'victim@corp.example(.evil.example)' is not a plain address; write only "
        "name@example.com (no display name, comment, quotes or list)"
    ]
    listing = 'name,email\nSam,sam@example.com\nAl,"a,b@x.com"\nBo,a<b>@x.com\n'
    with pytest.raises(InvitationFileError) as csv_list:
        parse_invitation_csv(listing)
    assert [p.split(": email ")[0] for p in csv_list.value.problems] == ["line 3", "line 4"]
    requests = [InvitationRequest("Sam", "sam@example.com"), InvitationRequest("Al", "a,b@x.com")]
    with pytest.raises(AssessmentError, match=r"row 2: email 'a,b@x\.com'"):
        invite_candidates(store, requests, actor="rita")
    assert store.audit_entries("invite") == []  # nothing was created
