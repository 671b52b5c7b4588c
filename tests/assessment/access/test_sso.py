"""Single sign-on: claims mapped to roles, fresh and single-use logins, no role means no access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from assessment.access.accounts import add_user, disable_user
from assessment.access.passwords import PasswordHashing
from assessment.access.sessions import check_session, start_session
from assessment.access.sso import (
    SSO_ERROR,
    SSO_STALE,
    SSOPolicy,
    login_key,
    role_from_claims,
    sso_sign_in,
)
from assessment.errors import LoginError, SSOLoginReusedError
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store
from tests.assessment.access.conftest import PASSWORD, T0

CLAIM_ROLES = SSOPolicy(
    role_claim="groups",
    roles={"sjt-recruiters": "recruiter", "sjt-psy": "psychometrician", "sjt-admins": "admin"},
)


def claims(**extra: Any) -> dict[str, Any]:
    issued = extra.pop("issued", T0 - dt.timedelta(seconds=5))
    return {
        "iss": "http://idp.test",
        "sub": "subject-1",
        "email": "ada@example.org",
        "email_verified": True,
        "iat": int(issued.timestamp()),
        "nonce": "nonce-1",
        "groups": ["staff", "sjt-recruiters"],
        "is_logged_in": True,
        **extra,
    }


def test_roles_come_from_a_claim_value_or_a_list_of_them() -> None:
    assert role_from_claims(claims(), CLAIM_ROLES) == "recruiter"
    assert role_from_claims(claims(groups="sjt-psy"), CLAIM_ROLES) == "psychometrician"
    assert role_from_claims(claims(groups=["sjt-psy", "sjt-admins"]), CLAIM_ROLES) == "admin"
    assert role_from_claims(claims(groups=["staff"]), CLAIM_ROLES) is None
    assert role_from_claims(claims(groups=None), CLAIM_ROLES) is None
    assert role_from_claims(claims(), SSOPolicy()) is None


def test_a_misconfigured_role_map_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs role_claim"):
        SSOPolicy(roles={"x": "recruiter"})
    with pytest.raises(ValidationError, match="unknown roles"):
        SSOPolicy(role_claim="groups", roles={"x": "root"})


def test_a_mapped_claim_creates_a_single_sign_on_account_with_that_role(store: Store) -> None:
    result = sso_sign_in(store, claims(), CLAIM_ROLES, T0)
    account = StaffRepository(store).account("ada@example.org")
    assert account is not None
    assert (account.role, account.sign_in, result.role) == ("recruiter", "sso", "recruiter")
    session = start_session(store, result.account_id, result.session_version, "sso", T0,
                            sso_key=login_key(claims()))  # fmt: skip
    user = check_session(store, session_id=session.session_id, now=T0).user
    assert user is not None
    assert user.role == "recruiter"
    # a later login with another group: the role follows and older sessions end
    again = sso_sign_in(store, claims(nonce="n2", groups=["sjt-psy"]), CLAIM_ROLES, T0)
    assert again.role == "psychometrician"
    assert check_session(store, session_id=session.session_id, now=T0).reason == "role_changed"


@pytest.mark.parametrize(
    "claim_set",
    [
        claims(groups=["staff"]),  # no mapped role
        claims(email_verified=False),  # an unverified email names nobody
        claims(email=""),
    ],
)
def test_no_mapped_role_means_no_access(store: Store, claim_set: dict[str, Any]) -> None:
    with pytest.raises(LoginError, match=SSO_ERROR):
        sso_sign_in(store, claim_set, CLAIM_ROLES, T0)
    assert [a.username for a in StaffRepository(store).accounts()] == []
    assert store.audit_entries("login.sso_denied")


def test_a_disabled_local_account_blocks_single_sign_on(
    store: Store, fast: PasswordHashing
) -> None:
    add_user(store, "ada@example.org", PASSWORD, "recruiter", hashing=fast)
    disable_user(store, "ada@example.org")
    with pytest.raises(LoginError, match=SSO_ERROR):
        sso_sign_in(store, claims(), CLAIM_ROLES, T0)


def test_without_a_role_map_the_local_user_table_decides(store: Store) -> None:
    local = SSOPolicy()
    with pytest.raises(LoginError, match=SSO_ERROR):
        sso_sign_in(store, claims(), local, T0)
    add_user(store, "ada@example.org", None, "psychometrician")
    assert sso_sign_in(store, claims(), local, T0).role == "psychometrician"


def test_only_fresh_logins_start_a_session_and_each_only_once(store: Store) -> None:
    stale = claims(issued=T0 - dt.timedelta(seconds=CLAIM_ROLES.max_age_seconds + 1))
    with pytest.raises(LoginError, match=SSO_STALE):
        sso_sign_in(store, stale, CLAIM_ROLES, T0)
    with pytest.raises(LoginError, match=SSO_STALE):
        sso_sign_in(store, claims(iat="yesterday"), CLAIM_ROLES, T0)
    result = sso_sign_in(store, claims(), CLAIM_ROLES, T0)
    key = login_key(claims())
    start_session(store, result.account_id, result.session_version, "sso", T0, sso_key=key)
    with pytest.raises(SSOLoginReusedError):
        start_session(store, result.account_id, result.session_version, "sso", T0, sso_key=key)
