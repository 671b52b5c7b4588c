"""``sjt report``: candidate profile PDFs (and candidate feedback PDFs) from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assessment.persistence.private import open_private
from assessment.persistence.store import Store
from assessment.recruiting.overview import candidate_overview
from cli.errors import fail, usage_error, user_errors
from cli.options import CandidateOption, LanguageChoice
from reports.assemble import ProfileUnavailableError, pdf_file_name, render_candidate_pdf


@user_errors
def report(
    candidate: CandidateOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="PDF file to write (with --candidate).")
    ] = None,
    all_candidates: Annotated[
        bool, typer.Option("--all", help="Every candidate with a completed test.")
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Folder for <candidate id>.pdf files (with --all)."),
    ] = None,
    lang: Annotated[
        LanguageChoice | None,
        typer.Option("--lang", help="Report language (default: the language of the test)."),
    ] = None,
    feedback: Annotated[
        bool,
        typer.Option("--feedback", help="The candidate's feedback report instead of the profile."),
    ] = False,
) -> None:
    """Write candidate profile PDFs: one candidate (--candidate ID --out FILE.pdf) or all
    candidates with a completed test (--all --out-dir DIR)."""
    language = lang.value if lang is not None else None
    if all_candidates == (candidate is not None):
        raise usage_error(
            "give either --candidate ID with --out FILE.pdf, or --all with --out-dir DIR"
        )
    if candidate is not None and (out is None or out_dir is not None):
        raise usage_error("--candidate needs --out FILE.pdf (and no --out-dir)")
    if candidate is None and (out_dir is None or out is not None):
        raise usage_error("--all needs --out-dir DIR (and no --out)")
    store = Store.open()
    if candidate is not None and out is not None:
        try:
            pdf = render_candidate_pdf(store, candidate, language, feedback=feedback)
        except ProfileUnavailableError as error:
            raise fail(str(error)) from None
        _write(out, pdf)
        store.audit("cli", "report.feedback" if feedback else "report.profile", candidate)
        typer.echo(f"wrote {out} ({len(pdf) // 1024 + 1} KB)")
        return
    if out_dir is None:
        return  # not reached: refused above
    if out_dir.exists() and not out_dir.is_dir():
        raise fail(f"--out-dir {str(out_dir)!r} is a file, not a folder; give a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    written, skipped = 0, []
    for row in candidate_overview(store):
        if row.status != "completed":
            skipped.append(f"{row.candidate_id} ({row.status})")
            continue
        pdf = render_candidate_pdf(store, row.candidate_id, language, feedback=feedback)
        _write(out_dir / pdf_file_name(row.candidate_id, feedback=feedback), pdf)
        written += 1
    store.audit("cli", "report.batch", str(out_dir)[:200], {"written": written})
    kind = "feedback reports" if feedback else "profiles"
    typer.echo(f"wrote {written} {kind} to {out_dir}")
    if skipped:
        typer.echo(
            f"skipped {len(skipped)} candidates without a completed test: {', '.join(skipped)}"
        )


def _write(path: Path, pdf: bytes) -> None:
    if path.is_dir():
        raise fail(f"{path} is a folder; give a file name such as {path / 'profile.pdf'}")
    with open_private(path, "wb") as handle:  # a profile is personal data
        handle.write(pdf)
