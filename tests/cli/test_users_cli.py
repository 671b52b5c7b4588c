"""``sjt user …`` and the demo account of ``sjt demo``, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assessment.access.accounts import authenticate
from assessment.access.sessions import check_session, start_session
from assessment.persistence.staff import StaffRepository
from assessment.persistence.store import Store
from cli.main import app

runner = CliRunner()
PASSWORD = "correct-horse-battery"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    return url


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_user_administration_end_to_end(database: str) -> None:
    assert run("user", "add", "--username", "rita", "--role", "recruiter", stdin=PASSWORD)[0] == 0
    store = Store.open(database)
    account = StaffRepository(store).account("rita")
    assert account is not None
    session = start_session(store, account.id, account.session_version, "password")

    code, out = run("user", "disable", "--username", "rita")
    assert (code, out.strip()) == (0, "disabled rita; its sessions have ended")
    assert check_session(store, session_id=session.session_id).user is None
    assert "rita\trecruiter\tdisabled\tpassword\t-" in run("user", "list")[1]
    assert run("user", "enable", "--username", "rita")[0] == 0

    code, out = run("user", "set-role", "--username", "rita", "--role", "psychometrician")
    assert code == 0
    assert "psychometrician" in out

    code, out = run("user", "reset-password", "--username", "rita")
    assert code == 0
    temporary = out.split(": ", 1)[1].splitlines()[0].strip()
    assert authenticate(store, "rita", temporary).must_change_password
    assert "must change password" in run("user", "list")[1]

    actions = [e.action for e in reversed(store.audit_entries()) if e.action.startswith("user.")]
    assert actions == [
        "user.add", "user.disable", "user.enable", "user.set_role", "user.reset_password",
    ]  # fmt: skip
    store.engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "disable", "--username", "ghost"), "there is no user 'ghost'"),
        (("user", "set-role", "--username", "ghost", "--role", "admin"), "no user 'ghost'"),
        (("user", "reset-password", "--username", "ghost"), "no user 'ghost'"),
    ],
)
def test_unknown_users_get_a_clear_error(
    database: str, args: tuple[str, ...], message: str
) -> None:
    code, out = run(*args)
    assert code == 1
    assert message in out
    assert "Traceback" not in out


def test_a_second_user_add_and_a_short_password_are_refused(database: str) -> None:
    assert run("user", "add", "--username", "rita", "--role", "admin", stdin=PASSWORD)[0] == 0
    code, out = run("user", "add", "--username", "rita", "--role", "admin", stdin=PASSWORD)
    assert code == 1
    assert "already exists" in out
    code, out = run("user", "add", "--username", "bob", "--role", "admin", stdin="short")
    assert code == 1
    assert "at least 10 characters" in out


def test_demo_creates_the_demo_admin_once_and_never_shows_its_password_again(
    database: str,
) -> None:
    code, first = run("demo", "--candidates", "1", "--if-empty")
    assert code == 0
    assert "this is a demo database" in first
    assert "password" in first
    assert "must choose a new password" in first
    code, second = run("demo", "--candidates", "1", "--if-empty")  # make run, again
    assert code == 0
    assert "exists already; its password is unchanged" in second
    password = first.split("password ", 1)[1].split()[0]
    assert password not in second
    store = Store.open(database)
    assert authenticate(store, "demo-admin", password).must_change_password
    store.engine.dispose()


def test_no_demo_admin_in_a_production_database(database: str) -> None:
    assert run("user", "add", "--username", "alice", "--role", "admin", stdin=PASSWORD)[0] == 0
    code, out = run("demo", "--candidates", "1")
    assert code == 0
    assert "no demo staff account" in out
    store = Store.open(database)
    assert [a.username for a in StaffRepository(store).accounts()] == ["alice"]
    store.engine.dispose()
