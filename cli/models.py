"""``sjt model …``, ``sjt rescore``, ``sjt scores``, ``sjt responses`` and ``sjt fairness``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assessment.persistence.answers import SessionFilter
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import (
    read_model_file,
    read_response_csv,
    response_forms,
    write_csv,
    write_model_file,
)
from assessment.psychometrics.fairness import (
    GROUP_FIELDS,
    OVERALL_BANDS,
    CutRule,
    fairness_report,
)
from assessment.psychometrics.partial import carried_note
from assessment.psychometrics.renorm import MIN_NORM_SAMPLE, apply_renorm, preview_renorm
from assessment.psychometrics.response_export import export_responses
from assessment.psychometrics.versions import (
    PromotionRefusedError,
    collected_responses,
    list_versions,
    promote,
    rescore,
    rollback,
    scores_from_other_versions,
)
from assessment.recruiting.exports import scores_csv
from assessment.recruiting.overview import candidate_overview
from assessment.session_values import OverallRule
from cli.errors import fail, user_errors
from cli.options import ActorOption, FormChoice, ModelOutOption
from items import load_bank
from items.forms import load_fixed_form
from items.scoring_map import item_specs
from reports.assemble import overall_rule

EXIT_PROMOTION_REFUSED = 4
"""Exit status of ``sjt model promote`` when the guard refuses the model file."""

models = typer.Typer(help="Scoring model versions.", no_args_is_help=True)
NewLabelOption = Annotated[str | None, typer.Option("--label", help="Version label (default vN).")]
"""``--label`` of the commands that store a new version (``promote``, ``renorm``)."""


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
    label: NewLabelOption = None,
    actor: ActorOption = "cli",
    link: Annotated[
        bool, typer.Option("--link/--no-link", help="Link to the active scale (Stocking-Lord).")
    ] = True,
    carry_over: Annotated[
        bool,
        typer.Option(
            "--carry-over/--no-carry-over",
            help="Bank items the file has no parameters for keep the active version's (listed "
            "in carried_over), as the workbench does; --no-carry-over needs every item.",
        ),
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Promote despite the guard's problems (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the guard is overridden (audited).")
    ] = None,
) -> None:
    """Store a reviewed calibration as a new immutable version and make it active.

    With --link (the default) the parameters are placed on the active version's scale and
    the active version's reference norms carry over unchanged: T-scores move only when θ
    moves (re-norm with sjt model renorm). A file that calibrates some competencies only is
    completed with the others from the active version (items, norms, reliability), and bank
    items the file lacks keep the active version's parameters (--no-carry-over refuses
    them); what was carried over is printed. The guard refuses a calibration that did not
    converge, items with implausible parameters (effective slope > 6, intercept spread > 30,
    SE > 10) or fewer than 20 answers per parameter, and dimensions that cannot be linked;
    --force --reason TEXT promotes anyway and the audit log keeps the reason. The version's
    reliability of the test as delivered is then simulated under its final parameters (some
    seconds) and stored with it, for profiles to print until real candidates have taken it.

    Exit status: 0 promoted; 1 bad input, or a calibration of some competencies that cannot
    be linked (another item model, --no-link; --force does not override it); 2 a wrong
    command line (such as no --note); 4 refused by the guard (problems on stderr).
    """
    document = read_model_file(file)
    bank = load_bank()
    store = Store.open()
    try:
        version_id = promote(
            store, document, bank, actor, note, label, link, carry_over, force, reason,
            progress=lambda step: typer.echo(f"{step}…", err=True), source=str(file),
        )  # fmt: skip
    except PromotionRefusedError as error:
        raise fail(str(error), EXIT_PROMOTION_REFUSED) from None
    stored = store.model_document(version_id)
    typer.echo(f"promoted {stored.label if stored else version_id}; it is now active")
    provenance = stored.document.provenance if stored else None
    if stored is not None and provenance is not None and provenance.kind == "synthetic":
        said = f" ({provenance.note})" if provenance.note else ""
        typer.echo(f"note: {stored.label} is a synthetic model{said}; profiles say so")
    carried = carried_note(stored.document) if stored else None
    if carried:
        typer.echo(carried)
    _echo_rescore_hint(store)


@models.command("rollback")
@user_errors
def model_rollback(
    reason: Annotated[
        str, typer.Option("--reason", "--note", help="Why (required; kept in the audit log).")
    ],
    actor: ActorOption = "cli",
    rescore_now: Annotated[
        bool,
        typer.Option(
            "--rescore",
            help="Also rescore every completed test with the version that is active again "
            "(audited as model.rescore).",
        ),
    ] = False,
) -> None:
    """Re-activate the version that was active before the current one (audited).

    Current scores stay those of the version rolled back from until the candidates are
    rescored: add --rescore, or run sjt rescore afterwards.
    """
    store = Store.open()
    label = rollback(store, actor, reason)
    typer.echo(f"rolled back: {label} is active again")
    if rescore_now:
        count = rescore(store, load_bank(), None, actor)
        typer.echo(f"rescored {count} completed sessions with {label}")
    _echo_rescore_hint(store)


def _echo_rescore_hint(store: Store) -> None:
    """Say which tested candidates' current scores the active version did not produce."""
    others = scores_from_other_versions(store)
    if others is not None and others.count:
        typer.echo(others.message(f"run sjt rescore to score them with {others.active_label}"))


@models.command("renorm")
@user_errors
def model_renorm(
    sample: Annotated[
        str,
        typer.Option(
            "--sample",
            help="Response data CSV of the new reference sample, or 'collected' for the "
            "completed tests in the database (data-quality flags left out; synthetic demo "
            "candidates included, and counted in the preview).",
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Name of the reference sample.")],
    reason: Annotated[str, typer.Option("--reason", help="Why re-norm (kept in the audit log).")],
    yes: Annotated[bool, typer.Option("--yes", help="Apply; without it, only preview.")] = False,
    min_sample: Annotated[
        int,
        typer.Option(
            "--min-sample",
            min=2,
            help=f"Fewest respondents the sample needs (documented minimum {MIN_NORM_SAMPLE}).",
        ),
    ] = MIN_NORM_SAMPLE,
    label: NewLabelOption = None,
    actor: ActorOption = "cli",
) -> None:
    """Re-norm the active version on a named reference sample (a new, audited version).

    Prints the new norm tables' mean and SD beside the current ones and how many tested
    candidates would change band; nothing changes without --yes. Applying stores the active
    parameters with the new norms as a new active version; run sjt rescore afterwards.
    """
    store = Store.open()
    bank = load_bank()
    forms: Sequence[str | None] | None
    synthetic: Sequence[bool] | None = None  # a file does not say
    if sample == "collected":  # each session's recorded form and candidate
        collected = collected_responses(store, bank)
        data, forms, synthetic = collected.data, collected.forms, collected.is_synthetic
    else:  # the file's _form column when it has one
        loaded = read_response_csv(Path(sample), specs=item_specs(bank))
        data, forms = loaded.data, response_forms(loaded, sample)
    preview = preview_renorm(
        store, data, name, overall_rule(store), minimum=min_sample,
        fixed_form=load_fixed_form(bank), forms=forms, synthetic=synthetic,
    )  # fmt: skip
    for line in preview.lines():
        typer.echo(line)
    if not yes:
        typer.echo("preview only: nothing changed (add --yes to apply)")
        return
    version_id = apply_renorm(store, preview, actor, reason, label)
    version = store.model_version(version_id)
    typer.echo(
        f"re-normed: {version.label if version else version_id} is active; "
        "run sjt rescore to update the stored scores"
    )


@user_errors
def scores_command(
    out: Annotated[Path, typer.Option("--out", help="Scores CSV to write.")],
    model_version: Annotated[
        str | None,
        typer.Option(
            "--model-version",
            help="The scores this version produced (default: the current scores).",
        ),
    ] = None,
) -> None:
    """Scores of every completed candidate: the recruiters' export file.

    Columns: candidate_id, per competency <c>_theta, <c>_se, <c>_t, <c>_pct, then composite,
    band, the candidate's other fields, flags and model_version; text cells are made safe
    for spreadsheets. With --model-version, only the candidates that version scored (exit 1
    when it scored none). See the codebook in docs/file-formats.md.
    """
    store = Store.open()
    version_id = None
    if model_version is not None:
        versions = {v.label: v.id for v in store.model_versions()}
        if model_version not in versions:
            known = ", ".join(versions) or "none"
            raise fail(f"no model version {model_version!r} (stored versions: {known})")
        version_id = versions[model_version]
    rows = candidate_overview(store, status="completed", model_version_id=version_id)
    if version_id is not None:  # only the rows that version scored, never another's label
        rows = [row for row in rows if row.model_version_id == version_id]
        if not rows:
            raise fail(
                f"{model_version} produced no scores (run sjt rescore --model-version "
                f"{model_version} to score the completed tests with it); no file written"
            )
    # byte for byte the recruiters' download (the BOM makes Excel read UTF-8)
    out.write_bytes(scores_csv(rows, overall_rule(store)).encode("utf-8-sig"))
    store.audit("cli", "export.scores", None, {"candidates": len(rows), "file": str(out)})
    typer.echo(f"wrote {len(rows)} completed candidates to {out}")


@user_errors
def responses_command(
    out: Annotated[Path, typer.Option("--out", help="Response data CSV (DATA.csv) to write.")],
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Completed on or after this day."),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="Completed on or before this day."),
    ] = None,
    form: Annotated[
        FormChoice | None, typer.Option("--form", help="Only this form (default: both).")
    ] = None,
    include_flagged: Annotated[
        bool,
        typer.Option("--include-flagged", help="Include sessions with data-quality flags."),
    ] = False,
    include_synthetic: Annotated[
        bool,
        typer.Option("--include-synthetic", help="Include synthetic demo candidates."),
    ] = False,
) -> None:
    """Completed responses in the database as a response data file for sjt calibrate.

    Writes DATA.csv as sjt calibrate, sjt score and sjt item-analysis read it: candidate_id,
    then <id>.most / <id>.least and the other item columns answered, option ids, empty when
    not presented. Candidate ids only, never names or e-mail addresses. Sessions with
    data-quality flags and synthetic demo candidates are left out (and counted) unless
    included; a candidate who completed the test twice has their latest session. Days are
    UTC. See docs/file-formats.md.
    """
    store = Store.open()
    chosen = SessionFilter.days(
        since.date() if since else None,
        until.date() if until else None,
        form.value if form else None,
        include_flagged=include_flagged,
        include_synthetic=include_synthetic,
    )
    export = export_responses(store, load_bank(), chosen)
    out.write_text(export.text, encoding="utf-8", newline="")
    store.audit(
        "cli", "export.responses", None, {"candidates": export.n_candidates, "file": str(out)}
    )
    typer.echo(f"wrote {export.summary()} to {out}")


@models.command("export")
@user_errors
def model_export(
    out: ModelOutOption,
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
    actor: ActorOption = "cli",
) -> None:
    """Rescore every completed session; earlier scores are kept as history.

    The data-quality flags that depend on the model (person misfit, answers like random
    picking) are judged again under the version that scores.
    """
    count = rescore(Store.open(), load_bank(), model_version, actor)
    typer.echo(f"rescored {count} completed sessions")


class BasisChoice(StrEnum):
    """What ``sjt fairness`` counts as selected."""

    decision = "decision"
    cut = "cut"


@user_errors
def fairness(
    field: Annotated[str, typer.Option("--field", help=f"One of {sorted(GROUP_FIELDS)}.")],
    basis: Annotated[
        BasisChoice,
        typer.Option(
            "--basis",
            help="decision: the overall result of the profiles (recommended; recommended or "
            "with care), as recruiters see it; cut: a plain T-score cut (--cut, --competency).",
        ),
    ] = BasisChoice.decision,
    cut: Annotated[
        float | None, typer.Option("--cut", help="T-score cut of --basis cut (default 50).")
    ] = None,
    competency: Annotated[
        str | None,
        typer.Option("--competency", help="--basis cut on one competency (default: mean T)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write item DIF as CSV.")] = None,
) -> None:
    """Adverse-impact ratios of the profiles' overall results (or at a T cut) and item DIF by a
    voluntary group field."""
    if basis is BasisChoice.decision and (cut is not None or competency is not None):
        raise fail(
            "--cut and --competency apply to a plain T-score cut; add --basis cut to use them "
            "(the default --basis decision uses the profiles' own cut scores)"
        )
    store = Store.open()
    rule: OverallRule | CutRule = (
        overall_rule(store) if basis is BasisChoice.decision else CutRule(cut or 50.0, competency)
    )
    report = fairness_report(store, load_bank(), field, rule)
    typer.echo(f"{report.n_sessions} completed sessions with {field}; selection by {report.basis}")
    if report.band_counts:
        typer.echo("overall results by group:")
        typer.echo("  " + f"{'group':<20} {'n':>6}" + "".join(f" {b:>12}" for b in OVERALL_BANDS))
        for group, counts in report.band_counts.items():
            cells = "".join(f" {counts[b]:>12}" for b in OVERALL_BANDS)
            typer.echo(f"  {group:<20} {sum(counts.values()):>6}{cells}")
    for selection in report.selections:
        typer.echo(f"selected: {selection.selection}")
        typer.echo(f"  {'group':<20} {'n':>6} {'selected':>9} {'rate':>7} {'ratio':>7} {'p':>8}")
        for g in selection.impact:
            marks = ("  below 4/5" if g.below_four_fifths else "") + (
                "  small group" if g.small else ""
            )
            p = "" if g.p_value != g.p_value else f"{g.p_value:.3f}"
            ratio = "" if g.impact_ratio != g.impact_ratio else f"{g.impact_ratio:.2f}"
            row = f"{g.n:>6} {g.selected:>9} {g.rate:>7.2f} {ratio:>7} {p:>8}"
            typer.echo(f"  {g.group:<20} {row}{marks}")
    for caveat in report.caveats:
        typer.echo(f"note: {caveat}")
    flagged = [d for d in report.dif if d.mantel_haenszel.ets_class != "A"]
    left_out = (
        f" ({report.dif_left_out} items not answered by two groups left out)"
        if report.dif_left_out
        else ""
    )
    typer.echo(f"item DIF: {len(flagged)} of {len(report.dif)} items in ETS class B or C{left_out}")
    for d in flagged:
        mh = d.mantel_haenszel
        typer.echo(f"  {d.item_id:<14} {d.focal:<16} delta {mh.delta:+.2f} class {mh.ets_class}")
    if out is not None:
        rows = [entry.row() for entry in report.dif]
        header = list(rows[0]) if rows else ["item_id"]
        write_csv(out, header, [[row[k] for k in header] for row in rows])
        typer.echo(f"wrote {out}")
