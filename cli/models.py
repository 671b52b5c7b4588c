"""``sjt model …``, ``sjt rescore`` and ``sjt fairness``: versions and fairness monitoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assessment.persistence.store import Store
from assessment.psychometrics.data_files import read_model_file, write_csv, write_model_file
from assessment.psychometrics.fairness import GROUP_FIELDS, fairness_report
from assessment.psychometrics.versions import list_versions, promote, rescore, rollback
from cli.errors import fail, user_errors
from items import load_bank

models = typer.Typer(help="Scoring model versions.", no_args_is_help=True)


@models.command("list")
@user_errors
def model_list() -> None:
    """List model versions (the active one marked with *)."""
    versions = list_versions(Store.open())
    if not versions:
        typer.echo("no model versions yet (run sjt demo or sjt model promote)")
    for v in versions:
        mark = "*" if v.active else " "
        when = v.created_at.strftime("%Y-%m-%d %H:%M")
        typer.echo(
            f"{mark} {v.label:<16} {v.model:<5} {when}  {v.created_by or '-':<12} {v.note or ''}"
        )


@models.command("promote")
@user_errors
def model_promote(
    file: Annotated[Path, typer.Argument(help="Model file from sjt calibrate.")],
    note: Annotated[str, typer.Option("--note", help="Why this version is promoted.")],
    label: Annotated[
        str | None, typer.Option("--label", help="Version label (default vN).")
    ] = None,
    actor: Annotated[
        str, typer.Option("--actor", help="Who promotes (for the audit log).")
    ] = "cli",
    link: Annotated[
        bool, typer.Option("--link/--no-link", help="Link to the active scale (Stocking-Lord).")
    ] = True,
) -> None:
    """Store a reviewed calibration as a new immutable version and make it active."""
    document = read_model_file(file)
    store = Store.open()
    version_id = promote(store, document, load_bank(), actor, note, label, link)
    version = store.model_version(version_id)
    typer.echo(f"promoted {version.label if version else version_id}; it is now active")


@models.command("rollback")
@user_errors
def model_rollback(
    note: Annotated[str, typer.Option("--note", help="Why.")] = "rollback",
    actor: Annotated[str, typer.Option("--actor")] = "cli",
) -> None:
    """Re-activate the version that was active before the current one."""
    label = rollback(Store.open(), actor, note)
    typer.echo(f"rolled back: {label} is active again")


@models.command("export")
@user_errors
def model_export(
    out: Annotated[Path, typer.Option("--out", help="Model file (JSON) to write.")],
    label: Annotated[str | None, typer.Option("--label", help="Version (default: active).")] = None,
) -> None:
    """Write a stored version as a model file (format: docs/file-formats.md)."""
    store = Store.open()
    version = store.model_document_by_label(label) if label else store.active_model_document()
    if version is None:
        raise fail(f"no model version {label!r}" if label else "no active model version")
    write_model_file(out, version.document.with_changes(version=version.label))
    typer.echo(f"wrote {version.label} to {out}")


@user_errors
def rescore_command(
    model_version: Annotated[
        str | None, typer.Option("--model-version", help="Version label (default: active).")
    ] = None,
    actor: Annotated[str, typer.Option("--actor")] = "cli",
) -> None:
    """Rescore every completed session; earlier scores are kept as history."""
    count = rescore(Store.open(), load_bank(), model_version, actor)
    typer.echo(f"rescored {count} completed sessions")


@user_errors
def fairness(
    field: Annotated[str, typer.Option("--field", help=f"One of {sorted(GROUP_FIELDS)}.")],
    cut: Annotated[float, typer.Option("--cut", help="T-score cut for selection.")] = 50.0,
    competency: Annotated[
        str | None, typer.Option("--competency", help="Cut on one competency (default: mean T).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write item DIF as CSV.")] = None,
) -> None:
    """Adverse-impact ratios at the cut score and item DIF by a voluntary group field."""
    report = fairness_report(Store.open(), load_bank(), field, cut, competency)
    typer.echo(
        f"{report.n_sessions} completed sessions with {field}; cut T >= {cut} on {report.basis}"
    )
    typer.echo(f"  {'group':<20} {'n':>6} {'selected':>9} {'rate':>7} {'ratio':>7} {'p':>8}")
    for g in report.impact:
        marks = ("  below 4/5" if g.below_four_fifths else "") + (
            "  small group" if g.small else ""
        )
        p = "" if g.p_value != g.p_value else f"{g.p_value:.3f}"
        row = f"{g.n:>6} {g.selected:>9} {g.rate:>7.2f} {g.impact_ratio:>7.2f} {p:>8}"
        typer.echo(f"  {g.group:<20} {row}{marks}")
    flagged = [d for d in report.dif if d.mantel_haenszel.ets_class != "A"]
    typer.echo(f"item DIF: {len(flagged)} of {len(report.dif)} items in ETS class B or C")
    for d in flagged:
        mh = d.mantel_haenszel
        typer.echo(f"  {d.item_id:<14} {d.focal:<16} delta {mh.delta:+.2f} class {mh.ets_class}")
    if out is not None:
        rows = [entry.row() for entry in report.dif]
        header = list(rows[0]) if rows else ["item_id"]
        write_csv(out, header, [[row[k] for k in header] for row in rows])
        typer.echo(f"wrote {out}")
