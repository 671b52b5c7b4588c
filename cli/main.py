"""Entry point of the ``sjt`` console script."""

from __future__ import annotations

import typer

from cli import admin, bank, cat_sim, models, psychometrics
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
app.command("report")(report)
app.add_typer(admin.users, name="user")
app.add_typer(settings, name="settings")
app.add_typer(models.models, name="model")
app.command("rescore")(models.rescore_command)
app.command("fairness")(models.fairness)
app.command("cat-sim")(cat_sim.cat_sim)
app.command("purge")(purge)
app.command("export")(export)
app.command("backup")(backup)
app.command("restore")(restore)


def main() -> None:
    """Run the command line."""
    app()


if __name__ == "__main__":
    main()
