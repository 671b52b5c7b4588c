"""Entry point of the ``sjt`` console script."""

from __future__ import annotations

import os

import typer

from cli import admin, bank, cat_sim, mail, models, psychometrics, users
from cli.errors import guard_commands
from cli.privacy import backup, export, purge, restore
from cli.reports import report
from cli.settings import settings

app = typer.Typer(
    help="Situational-judgement test for customer-service staff.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(bank.app, name="bank")
app.command("simulate")(psychometrics.simulate)
app.command("calibrate")(psychometrics.calibrate)
app.command("score")(psychometrics.score_command)
app.command("item-analysis")(psychometrics.item_analysis)
app.command("demo")(admin.demo)
app.command("invite")(admin.invite)
app.command("remind")(mail.remind)
app.command("report")(report)
app.add_typer(users.users, name="user")
app.add_typer(settings, name="settings")
app.add_typer(models.models, name="model")
app.command("rescore")(models.rescore_command)
app.command("fairness")(models.fairness)
app.command("cat-sim")(cat_sim.cat_sim)
app.command("purge")(purge)
app.command("export")(export)
app.command("backup")(backup)
app.command("restore")(restore)
guard_commands(app)  # every command: user and environment errors end in one paragraph


def main() -> None:
    """Run the command line; every file it creates is readable by its owner only."""
    os.umask(0o077)  # databases, backups, exports and reports hold personal data
    app()


if __name__ == "__main__":
    main()
