"""``sjt bank``: validate the item bank and write its JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import user_errors
from items import COMPETENCIES, ItemBankError, load_bank
from items.schema import SCHEMA_FILE, write_schema

app = typer.Typer(help="Item bank: validation and schema.", no_args_is_help=True)

BankOption = Annotated[
    Path | None,
    typer.Option("--bank", help="Folder of item files (default: the packaged bank)."),
]


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
    out: Annotated[Path, typer.Option("--out", help="Model file (JSON) to write.")],
    bank: BankOption = None,
) -> None:
    """Write a synthetic GPCM generating model from the SME credits (for demos and studies)."""
    from assessment.model_document import ModelDocument, Provenance
    from assessment.psychometrics.data_files import write_model_file
    from items.scoring_map import synthetic_model

    parameters = synthetic_model(load_bank(bank))
    provenance = Provenance(
        kind="synthetic",
        note="generated from SME credits with seeded random slopes; not calibrated on data",
    )
    write_model_file(out, ModelDocument.from_parameters(parameters, provenance=provenance))
    typer.echo(f"wrote synthetic model with {len(parameters.items)} scored items to {out}")
