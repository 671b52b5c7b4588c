"""``sjt bank sme-template`` and ``sjt bank sme-import``: keying the bank with an SME panel."""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import fail, usage_error, user_errors
from cli.options import BankOption
from items import ItemBankError, load_bank
from items.sme import Thresholds, analyse, read_ratings, write_report, write_template
from items.sme_apply import apply_consensus


@user_errors
def sme_template(
    out: Annotated[Path, typer.Option("--out", help="Rating form (CSV) to write.")],
    bank: BankOption = None,
    raters: Annotated[
        int, typer.Option("--raters", min=1, help="Number of raters (R01, R02, …).")
    ] = 8,
) -> None:
    """Write the SME rating form: one row per rater × item × option, rating 1–7 left empty.

    Raters rate how effective each option is (1 = very ineffective … 7 = very effective),
    reading the scenario and the options in English or Chinese.
    """
    items = load_bank(bank)
    rows = write_template(items, out, raters)
    typer.echo(
        f"wrote {rows} rows ({raters} raters × {len(items)} items × 4 options) to {out}; "
        "fill in the rating column with whole numbers 1–7"
    )


def _number(value: float) -> str:
    return "  –  " if math.isnan(value) else f"{value:5.2f}"


@user_errors
def sme_import(
    ratings: Annotated[Path, typer.Argument(help="Completed rating form (CSV).")],
    bank: BankOption = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Write consensus credits and keying into the item files."),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Per item × option report (CSV).")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Date of the panel, YYYY-MM-DD (default: today)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Note stored with the keying provenance.")
    ] = None,
    skip_flagged: Annotated[
        bool,
        typer.Option("--skip-flagged", help="With --apply, leave flagged items unchanged."),
    ] = False,
) -> None:
    """Import SME ratings: option means and SDs, ICC(2,k) and r_wg per item, flags.

    An item is flagged when the panel's best option leads the next by less than 0.5 or their
    95% intervals overlap, when the panel's best is not the current key, or when the raters
    disagree (ICC(2,k) < .70 or mean r_wg < .70). With --apply, consensus credits (0–3, in the
    order of the panel's means) and the panel's provenance are written into the item files.
    """
    try:
        panel_date = datetime.date.fromisoformat(date) if date else datetime.date.today()
    except ValueError:
        raise usage_error(f"--date {date!r} is not a date; write it as YYYY-MM-DD") from None
    root = Path(bank) if bank is not None else None
    items = load_bank(root)
    panel = read_ratings(ratings, items.items)
    consensus = analyse(panel, items.items, Thresholds())
    unrated = len(items) - len(consensus)
    typer.echo(
        f"panel: {len(panel.raters)} raters, {len(consensus)} items rated"
        + (f" ({unrated} items of the bank not rated)" if unrated else "")
    )
    typer.echo(f"{'item':<8}{'raters':>7} {'ICC2k':>6} {'r_wg':>6}  key panel  lead  flags")
    for item in consensus:
        codes = ", ".join(flag.code for flag in item.flags) or "-"
        typer.echo(
            f"{item.item_id:<8}{item.n_raters:>7} {_number(item.icc2k):>6} {_number(item.rwg):>6}"
            f"  {item.key:<3} {item.panel_best:<5} {item.lead:5.2f}  {codes}"
        )
    flagged = [item for item in consensus if item.flagged]
    typer.echo(f"flagged: {len(flagged)} of {len(consensus)} items")
    for item in flagged:
        typer.echo(f"  {item.item_id}: " + "; ".join(flag.message for flag in item.flags))
    if out is not None:
        rows = write_report(consensus, out)
        typer.echo(f"wrote {rows} rows to {out}")
    if not apply:
        return
    from items.loader import DEFAULT_BANK

    try:
        result = apply_consensus(
            consensus,
            items,
            root or DEFAULT_BANK,
            date=panel_date,
            note=note,
            skip_flagged=skip_flagged,
        )
    except ItemBankError as error:
        raise fail(
            f"consensus credits not applied, no file was changed: the bank would break its "
            f"content rules: {'; '.join(str(p) for p in error.problems)}. Rebalance the key "
            "positions (reorder options) or pass --skip-flagged, then import again."
        ) from None
    typer.echo(
        f"applied consensus credits and keying to {len(result.changed)} items "
        f"in {root or DEFAULT_BANK}"
    )
    for item_id, reason in result.unchanged.items():
        typer.echo(f"  {item_id}: {reason}")
