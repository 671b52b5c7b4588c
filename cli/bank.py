"""``sjt bank``: validate the item bank, audit its cues, write its JSON Schema, SME keying."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import sme
from cli.errors import fail, user_errors
from cli.options import BankOption, ModelOutOption
from items import COMPETENCIES, ItemBankError, load_bank
from items.schema import SCHEMA_FILE, write_schema

app = typer.Typer(
    help="Item bank: validation, cue audit, schema and SME keying.", no_args_is_help=True
)


@app.command()
@user_errors
def validate(bank: BankOption = None) -> None:
    """Validate every item file; print counts per competency, format and language."""
    try:
        loaded = load_bank(bank)
    except ItemBankError as error:
        typer.echo(f"error: {error}", err=True)
        typer.echo(
            "Fix each problem listed as 'file: field: message' and run the command again.",
            err=True,
        )
        raise typer.Exit(1) from None
    counts = loaded.counts()
    typer.echo(f"item bank OK: {len(loaded)} items ({bank or 'packaged bank'})")
    typer.echo("per competency:")
    for competency in COMPETENCIES:
        typer.echo(f"  {competency:<20} {counts['competency'][competency]:>4}")
    typer.echo("per format:")
    for name, count in sorted(counts["format"].items()):
        typer.echo(f"  {name:<20} {count:>4}")
    typer.echo("per language:")
    for name, count in sorted(counts["language"].items()):
        typer.echo(f"  {name:<20} {count:>4}")
    typer.echo("per setting:")
    for name, count in sorted(counts["setting"].items()):
        typer.echo(f"  {name:<20} {count:>4}")


@app.command()
@user_errors
def schema(
    out: Annotated[Path, typer.Option("--out", help="Where to write the schema.")] = SCHEMA_FILE,
) -> None:
    """Write the JSON Schema of item files, for editors with YAML/JSON schema support."""
    write_schema(out)
    typer.echo(f"wrote {out}")


@app.command("synthetic-model")
@user_errors
def synthetic_model_command(
    out: ModelOutOption,
    bank: BankOption = None,
) -> None:
    """Write a synthetic GPCM generating model from the SME credits (for demos and studies)."""
    from assessment.model_document import ModelDocument, Provenance
    from assessment.psychometrics.data_files import write_model_file
    from items.scoring_map import synthetic_model

    parameters = synthetic_model(load_bank(bank))
    provenance = Provenance(
        kind="synthetic",
        note="generated from the bank's credits with seeded random slopes and a stated latent "
        "correlation; not calibrated on data",
    )
    write_model_file(out, ModelDocument.from_parameters(parameters, provenance=provenance))
    typer.echo(f"wrote synthetic model with {len(parameters.items)} scored items to {out}")


@app.command()
@user_errors
def audit(
    bank: BankOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the audit as JSON instead of a table.")
    ] = False,
    show_items: Annotated[
        bool, typer.Option("--items", help="Also list the items whose key the classifier found.")
    ] = False,
) -> None:
    """Cue audit: can the keys be found from the option texts alone?

    Prints, per competency and language, the leave-one-item-out option-text classifier's hit
    rate for the best and the worst option, how often the key is the longest option or has the
    most clauses, key positions and credit patterns. Exits 1 when the best-option hit rate of
    the bank exceeds 35% in either language.
    """
    import json

    from items.audit import audit_bank, format_report

    report = audit_bank(bank)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_report(report, show_items=show_items))
    if not report.passed:
        rates = ", ".join(f"{lang} {stats.best_hit:.0%}" for lang, stats in report.bank.items())
        raise fail(
            f"the keys can be found from the option texts alone (best-option hit rate {rates}; "
            f"the gate is {report.gate:.0%}, chance 25%). Rewrite the options of the items the "
            "classifier finds (`sjt bank audit --items`) following the item-writing guide's "
            "cue list (no cue words only in keys or distractors, balanced length and clauses) "
            "and run the audit again."
        )


app.command("sme-template")(sme.sme_template)
app.command("sme-import")(sme.sme_import)
