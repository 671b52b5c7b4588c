"""Single sign-on through an OpenID Connect provider: who may sign in, with which role.

Streamlit's ``st.login`` does the OpenID Connect dance and keeps the identity token's claims in
its own signed cookie for 30 days. That cookie is not a staff session: it cannot be revoked and
knows nothing of roles. So a single sign-on login only *starts* a staff session here, like a
correct password does, and only while it is fresh (``max_age_seconds`` after the provider issued
the identity token) and used once (the issuer, subject, issue time and nonce are remembered).

The role comes either from a claim (``role_claim`` plus a ``roles`` map from claim values to
roles; an account is kept in the local user table so that it can be disabled and audited) or,
without a ``roles`` map, from the local user table (``sjt user add --sso``). A person with no
mapped role, or whose local account is disabled, gets no access.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessment.access.accounts import ROLES, SignInResult, add_user
from assessment.clock import utcnow
from assessment.errors import AccountError, LoginError
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store

SSO_ERROR = "your single sign-on account has no access to this service"
SSO_STALE = "this single sign-on login has expired; sign in again"
CLOCK_SKEW = dt.timedelta(seconds=60)


class SSOPolicy(BaseModel):
    """The ``[sjt_sso]`` section of ``.streamlit/secrets.toml``.

    Parameters
    ----------
    provider : str or None
        The ``[auth.<provider>]`` section to sign in with; None for ``[auth]`` itself.
    label : str
        The button text on the sign-in page.
    username_claim : str
        The claim that names the staff member (matched against the local user table).
    role_claim : str or None
        A claim holding a group or role name, or a list of them.
    roles : dict
        Claim value → role; empty to take roles from the local user table instead.
    max_age_seconds : int
        How long after the provider issued the identity token it may start a staff session.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str | None = None
    label: str = "Sign in with single sign-on"
    username_claim: str = "email"
    role_claim: str | None = None
    roles: dict[str, str] = Field(default_factory=dict)
    max_age_seconds: int = Field(default=600, ge=30, le=3600)

    @model_validator(mode="after")
    def _roles_need_a_claim(self) -> SSOPolicy:
        if self.roles and not self.role_claim:
            raise ValueError("[sjt_sso] roles needs role_claim (the claim that holds them)")
        if bad := sorted(set(self.roles.values()) - set(ROLES)):
            raise ValueError(f"[sjt_sso] roles maps to unknown roles {bad}; use {list(ROLES)}")
        return self


def role_from_claims(claims: Mapping[str, Any], policy: SSOPolicy) -> str | None:
    """The role the ``role_claim`` maps to: admin if any value maps to it, else the first."""
    if not policy.role_claim:
        return None
    value = claims.get(policy.role_claim)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    mapped = [policy.roles[v] for v in values if isinstance(v, str) and v in policy.roles]
    if "admin" in mapped:
        return "admin"
    return mapped[0] if mapped else None


def login_key(claims: Mapping[str, Any]) -> str:
    """A hash naming one login (issuer, subject, issue time, nonce): used at most once."""
    parts = [str(claims.get(name, "")) for name in ("iss", "sub", "iat", "nonce")]
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def is_fresh(claims: Mapping[str, Any], policy: SSOPolicy, now: dt.datetime) -> bool:
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        return False
    at = dt.datetime.fromtimestamp(float(issued), dt.UTC)
    return now - dt.timedelta(seconds=policy.max_age_seconds) <= at <= now + CLOCK_SKEW


def sso_sign_in(
    store: Store,
    claims: Mapping[str, Any],
    policy: SSOPolicy,
    now: dt.datetime | None = None,
) -> SignInResult:
    """Map a fresh single sign-on login to an account; ``LoginError`` when it gives no access."""
    now = now or utcnow()
    username = claims.get(policy.username_claim)
    label = username[:100] if isinstance(username, str) else "sso"
    if not is_fresh(claims, policy, now):
        store.audit(label, "login.sso_stale", label)
        raise LoginError(SSO_STALE)
    if not isinstance(username, str) or not username.strip() or len(username) > 100:
        _deny(store, label, "no_username")
    if policy.username_claim == "email" and claims.get("email_verified") is False:
        _deny(store, label, "email_not_verified")
    username = username.strip()
    repository = StaffRepository(store)
    account = repository.account(username)
    if policy.roles:
        role = role_from_claims(claims, policy)
        if role is None:
            _deny(store, username, "no_role")
        if account is None:
            try:
                account = add_user(store, username, None, role, actor="sso")
            except AccountError:
                account = repository.account(username)
        if account is None or not account.active:
            _deny(store, username, "disabled")
        if account.role != role:
            changed = repository.update_account(
                account.id, role=role, end_sessions="role_changed", now=now
            )
            store.audit("sso", "user.set_role", username, {"from": account.role, "to": role})
            account = changed or account
    elif account is None or not account.active:
        _deny(store, username, "no_account")
    repository.record_sign_in(account.id, now)
    store.audit(account.username, "login.sso_ok", account.username, {"role": account.role})
    return SignInResult(account.id, account.username, account.role, account.session_version, False)


def _deny(store: Store, username: str, why: str) -> NoReturn:
    store.audit(username, "login.sso_denied", username, {"why": why})
    raise LoginError(SSO_ERROR)
