"""``sjt user add|list|disable|enable|reset-password|set-role``: staff account administration.

Every change is written to the audit log (actor ``cli``). Disabling an account, changing its
role or resetting its password ends its live sessions at their next action; a reset password
is temporary and must be changed at the next sign-in.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from assessment.access.accounts import (
    add_user,
    disable_user,
    enable_user,
    list_users,
    reset_password,
    set_role,
)
from assessment.persistence.store import Store
from cli.errors import fail, user_errors

users = typer.Typer(help="Staff accounts.", no_args_is_help=True)
Username = Annotated[str, typer.Option("--username", help="The account's username.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


class Role(StrEnum):
    recruiter = "recruiter"
    psychometrician = "psychometrician"
    admin = "admin"


RoleOption = Annotated[Role, typer.Option("--role")]


def _read_password(from_stdin: bool, prompt: str = "Password") -> str:
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise fail("no password on standard input")
        return line
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users.command("add")
@user_errors
def user_add(
    username: Username,
    role: RoleOption,
    password_stdin: PasswordStdin = False,
    sso: Annotated[
        bool, typer.Option("--sso", help="Single sign-on only: no password (see README).")
    ] = False,
) -> None:
    """Create a staff account; the password is read without echo (or from stdin)."""
    password = None if sso else _read_password(password_stdin)
    add_user(Store.open(), username, password, role.value)
    typer.echo(f"created {role.value} {username.strip()}" + (" (single sign-on)" if sso else ""))


@users.command("list")
@user_errors
def user_list() -> None:
    """List staff accounts: username, role, status, how they sign in, last sign-in."""
    for account in list_users(Store.open()):
        status = "active" if account.active else "disabled"
        if account.must_change_password:
            status += ", must change password"
        last = account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "-"
        typer.echo(f"{account.username}\t{account.role}\t{status}\t{account.sign_in}\t{last}")


@users.command("disable")
@user_errors
def user_disable(username: Username) -> None:
    """Disable an account; its live sessions end at their next action."""
    account = disable_user(Store.open(), username)
    typer.echo(f"disabled {account.username}; its sessions have ended")


@users.command("enable")
@user_errors
def user_enable(username: Username) -> None:
    """Enable a disabled account again."""
    account = enable_user(Store.open(), username)
    typer.echo(f"enabled {account.username}")


@users.command("reset-password")
@user_errors
def user_reset_password(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Set a temporary password (random, or from stdin) that must be changed at next sign-in."""
    given = _read_password(True) if password_stdin else None
    temporary = reset_password(Store.open(), username, given)
    if given is None:
        typer.echo(f"temporary password for {username.strip()}: {temporary}")
        typer.echo("(shown only now; it must be changed at the next sign-in)")
    else:
        typer.echo(f"password of {username.strip()} reset; it must be changed at the next sign-in")


@users.command("set-role")
@user_errors
def user_set_role(username: Username, role: RoleOption) -> None:
    """Change an account's role; its live sessions end."""
    account = set_role(Store.open(), username, role.value)
    typer.echo(f"{account.username} is now {account.role}; its sessions have ended")
