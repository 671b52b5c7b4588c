"""Sign a staff member in for an AppTest: a real account and a live server-side staff session.

AppTest cannot carry cookies, so the session is attached the way a browser tab that has just
signed in holds it: its id in session state. Every rerun still re-checks it in the database.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from app_pages.staff_session import SESSION_KEY
from assessment.access.accounts import StaffUser, add_user
from assessment.access.passwords import PasswordHashing
from assessment.access.sessions import start_session
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store

PASSWORD = "correct-horse-battery"
FAST = PasswordHashing(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def sign_in_as(app: AppTest, store: Store, username: str, role: str) -> StaffUser:
    """Create the account if needed, start a staff session and attach it to ``app``."""
    account = StaffRepository(store).account(username) or add_user(
        store, username, PASSWORD, role, actor="test", hashing=FAST
    )
    started = start_session(store, account.id, account.session_version, "password")
    app.session_state[SESSION_KEY] = started.session_id
    return StaffUser(account.username, account.role, started.session_id)
