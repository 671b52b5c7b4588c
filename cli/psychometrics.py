"""``sjt simulate``, ``sjt calibrate``, ``sjt score``: the psychometric commands."""

from __future__ import annotations

import difflib
import sys
import time
import warnings
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from assessment.errors import DataFileError
from assessment.model_document import ModelDocument
from assessment.psychometrics.data_files import (
    SYNTHETIC_COLUMN,
    ResponseFile,
    align_to_model,
    form_norm_tables,
    read_item_map_entries,
    read_model_file,
    read_response_csv,
    response_forms,
    synthetic_rows,
    write_csv,
    write_json,
    write_model_file,
    write_response_csv,
    write_scores_csv,
)
from assessment.psychometrics.model_files import check_bank_codes
from cli.errors import fail, usage_error, user_errors
from cli.options import BankOption, SeedOption
from scoring import (
    ConvergenceWarning,
    ItemSpec,
    MMLCalibrator,
    ModelParameters,
    ResponseMatrix,
    ScoringError,
    ThetaEstimate,
    score,
    score_correlated,
    score_eap,
    simulate_responses,
    simulate_theta,
)
from scoring.models import BASE_MODELS, get_model
from scoring.most_least import JOINT_BASES, joint_model_name
from scoring.quadrature import QuadratureGrid

MODEL_CHOICES = "[" + "|".join(BASE_MODELS) + "]"
"""The ``--model`` choices of ``sjt calibrate``: every base model in the registry."""


def registered_model(name: str) -> str:
    """Validate ``--model`` against the registry (``scoring.models.BASE_MODELS``)."""
    if name not in BASE_MODELS:
        raise typer.BadParameter(f"{name!r} is not one of {', '.join(BASE_MODELS)}")
    return name


ModelFileOption = Annotated[Path, typer.Option("--model", help="Model file (JSON).")]
"""``--model`` of the commands that read a model file (``sjt score``, ``sjt item-analysis``)."""


class Method(StrEnum):
    eap = "eap"
    map = "map"


def load_data(data: Path, bank: Path | None, item_map: Path | None) -> ResponseFile:
    """Read DATA.csv against the bank (default) or an external item map."""
    from items import COMPETENCIES, load_bank  # imported here: loading the bank is slow
    from items.scoring_map import item_specs

    if bank is not None and item_map is not None:
        raise usage_error("give either --bank or --item-map, not both")
    if item_map is not None:
        entries = read_item_map_entries(item_map)
        for warning in item_map_warnings(item_map, entries, COMPETENCIES):
            typer.echo(f"warning: {warning}", err=True)
        categories = {item_id: k for item_id, (_, k) in entries.items() if k is not None}
        if len(categories) < len(entries):  # the bank's count for bank items not declared
            bank_counts = {spec.item_id: spec.n_categories for spec in item_specs(load_bank())}
            categories = {
                item_id: categories.get(item_id, bank_counts.get(item_id, 0)) for item_id in entries
            }
            categories = {item_id: k for item_id, k in categories.items() if k}
        return read_response_csv(
            data,
            item_map={item_id: dimension for item_id, (dimension, _) in entries.items()},
            categories=categories,
        )
    specs = item_specs(load_bank(bank))
    return read_response_csv(data, specs=specs, dimensions=COMPETENCIES)


def item_map_warnings(
    path: Path, entries: dict[str, tuple[str, int | None]], competencies: Sequence[str]
) -> list[str]:
    """Dimensions of an item map that look like mistakes: a near miss of a competency id
    (``empathyy``), which would silently become a dimension of its own, and a dimension of
    one item, whose θ rests on that single item. Other names are legitimate (external data
    may measure anything), so these are warnings."""
    items_of: dict[str, list[str]] = {}
    for item_id, (dimension, _) in entries.items():
        items_of.setdefault(dimension, []).append(item_id)
    warnings_: list[str] = []
    for dimension, item_ids in items_of.items():
        if dimension not in competencies:
            close = difflib.get_close_matches(dimension, competencies, n=1, cutoff=0.8)
            if close:
                warnings_.append(
                    f"{path}: dimension {dimension!r} (items {item_ids[:5]}) is not a "
                    f"competency id; did you mean {close[0]!r}?"
                )
        if len(item_ids) == 1:
            warnings_.append(
                f"{path}: dimension {dimension!r} has a single item ({item_ids[0]}); its "
                "scale rests on that one item (a misspelt dimension?)"
            )
    return warnings_


@user_errors
def simulate(
    model: Annotated[Path, typer.Option("--model", help="Model file to draw from.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of respondents.")],
    seed: SeedOption,
    out: Annotated[Path, typer.Option("--out", help="Response data CSV to write.")],
    theta_out: Annotated[
        Path | None, typer.Option("--theta-out", help="Also write the true thetas here.")
    ] = None,
    correlation: Annotated[
        float | None,
        typer.Option(
            help="Correlation between dimensions of the true thetas "
            "(default: the model's latent_correlation, or 0)."
        ),
    ] = None,
    missing_rate: Annotated[
        float, typer.Option(min=0.0, max=0.95, help="Share of cells left empty at random.")
    ] = 0.0,
) -> None:
    """Draw synthetic respondents from a model file (theta ~ N(0, R), unit variances).

    A most_least item's least pick is drawn among the options other than its most pick (the
    joint most/least model), also from a model file that lists the two parts separately.
    """
    parameters = read_model_file(model).parameters
    rng = np.random.default_rng(seed)
    n_dims = len(parameters.dimensions)
    try:
        theta = simulate_theta(
            n, n_dims, rng, parameters.correlation if correlation is None else correlation
        )
    except ScoringError as error:
        raise usage_error(f"--correlation: {error}") from None
    # most_least answers come from the joint model (the least pick is never the most pick) and
    # are written as their two parts, the data-file form.
    from items.scoring_map import as_joint_model, split_most_least

    generating = as_joint_model(parameters)
    data = split_most_least(simulate_responses(generating, theta, rng, missing_rate), generating)
    width = len(str(n))
    ids = [f"sim{index:0{width}d}" for index in range(1, n + 1)]
    write_response_csv(out, ids, data, {SYNTHETIC_COLUMN: ["true"] * n})
    if theta_out is not None:
        header = ["candidate_id", *(f"{d}_theta" for d in parameters.dimensions)]
        rows = [[cid, *(f"{v:.6f}" for v in row)] for cid, row in zip(ids, theta, strict=True)]
        write_csv(theta_out, header, rows)
    typer.echo(f"wrote {n} respondents × {data.n_items} items to {out}")


class PriorChoice(StrEnum):
    default = "default"
    none = "none"


EXIT_NOT_CONVERGED = 3
"""Exit status of ``sjt calibrate`` when the EM did not converge or an estimate diverged."""


@user_errors
def calibrate(
    data: Annotated[Path, typer.Argument(help="Response data CSV (see docs/file-formats.md).")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            metavar=MODEL_CHOICES,
            callback=registered_model,
            help="Item response model (the registry's base models).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Model file (JSON; docs/file-formats.md).")],
    bank: BankOption = None,
    item_map: Annotated[
        Path | None,
        typer.Option(
            "--item-map",
            help="CSV item_id,dimension[,categories] for external integer data; 'categories' "
            "declares each item's number of categories (otherwise the bank's, else inferred; "
            "docs/file-formats.md).",
        ),
    ] = None,
    max_iter: Annotated[int, typer.Option(min=1, help="Maximum EM iterations.")] = 500,
    tol: Annotated[float, typer.Option(min=1e-10, help="Convergence tolerance.")] = 1e-4,
    quadrature: Annotated[int, typer.Option(min=5, help="Quadrature points.")] = 61,
    standard_errors: Annotated[
        bool, typer.Option("--se/--no-se", help="Compute item-parameter standard errors.")
    ] = True,
    min_answers: Annotated[
        int,
        typer.Option(
            "--min-answers",
            min=1,
            help="Leave out (and list) items with fewer answers than this; items with no "
            "answers are always left out.",
        ),
    ] = 1,
    carry_over_model: Annotated[
        Path | None,
        typer.Option(
            "--carry-over",
            help="Model file whose parameters the left-out items keep (marked carried_over).",
        ),
    ] = None,
    priors: Annotated[
        PriorChoice,
        typer.Option(
            "--priors",
            help="'default': weak priors (lognormal slopes, normal intercept contrasts; see "
            "scoring/priors.py), estimates are posterior modes. 'none': maximum likelihood.",
        ),
    ] = PriorChoice.default,
    allow_nonconverged: Annotated[
        bool,
        typer.Option(
            "--allow-nonconverged",
            help="Write the model file and exit 0 even if the EM did not converge or an "
            "estimate diverged.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines on stderr.")] = False,
    independent_most_least: Annotated[
        bool,
        typer.Option(
            "--independent-most-least",
            help="Model the .most and .least parts of most_least items as two independent "
            "items (the old treatment) instead of one joint most/least response.",
        ),
    ] = False,
) -> None:
    """Calibrate item parameters by marginal maximum likelihood (Bock–Aitkin EM).

    most_least items with both parts in the data are modelled jointly (the least pick given
    the most pick) with nrm or gpcm; the latent correlations of the dimensions are estimated
    and written to the model file as latent_correlation.

    Progress (per dimension: iterations, log-likelihood) goes to stderr. Exit status: 0 on
    success; 1 for bad input; 3 when the EM did not converge or an estimate diverged (the
    problems are listed on stderr and no model file is written unless --allow-nonconverged).
    """
    from assessment.psychometrics.carry_over import calibration_file, carry_over, select_items
    from cli.progress import ProgressPrinter
    from items.scoring_map import joined_for_calibration

    loaded = load_data(data, bank, item_map)
    n_synthetic = synthetic_rows(loaded, str(data))  # before the fit: a bad cell fails fast
    for note in loaded.notes:
        typer.echo(f"warning: {note}", err=True)
    if model == "2pl":
        from items.scoring_map import bank_item_id

        wide = list(
            dict.fromkeys(
                bank_item_id(spec.item_id) for spec in loaded.data.items if spec.n_categories != 2
            )
        )
        if wide:
            raise fail(
                f"{data}: 2pl models items with two categories (codes 0/1), but {len(wide)} "
                f"item(s) have more, e.g. {', '.join(wide[:5])}: calibrate bank items (four "
                f"options) with {' or '.join(JOINT_BASES)}, or give 2pl only 0/1-coded items "
                "(external data with --item-map)"
            )
    if get_model(model).ordered_categories:
        for spec in loaded.data.items:
            if list(spec.scores) != sorted(spec.scores) or len(set(spec.scores)) != len(
                spec.scores
            ):
                raise fail(
                    f"item {spec.item_id}: {model} needs categories in increasing order of "
                    f"merit; bank options are not ordered (use {' or '.join(JOINT_BASES)} for "
                    "bank items, or integer-coded data with --item-map)"
                )
    responses = loaded.data
    item_models: dict[str, str] = {}
    if item_map is None and not independent_most_least:
        try:
            responses, item_models = joined_for_calibration(
                loaded.data, model, loaded.candidate_ids
            )
        except ScoringError as error:
            raise fail(f"{data}: {error}") from None
    previous = read_model_file(carry_over_model).parameters if carry_over_model else None
    selection = select_items(responses, min_answers)
    for item_id in selection.empty:
        typer.echo(f"warning: item {item_id} has no responses; left out", err=True)
    if selection.left_out:
        listed = ", ".join(f"{item_id} ({n})" for item_id, n in selection.left_out)
        typer.echo(
            f"left out {len(selection.left_out)} item(s) with fewer than {min_answers} "
            f"answers: {listed}",
            err=True,
        )
    kept = set(selection.data.item_ids)
    item_models = {item_id: name for item_id, name in item_models.items() if item_id in kept}
    calibrator = MMLCalibrator(
        model,
        grid=QuadratureGrid(quadrature),
        max_iter=max_iter,
        tol=tol,
        priors="default" if priors is PriorChoice.default else None,
        standard_errors="louis" if standard_errors else "none",
        item_models=item_models,
    )
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        result = calibrator.fit(
            selection.data, progress=None if quiet else ProgressPrinter(sys.stderr)
        )
    seconds = time.perf_counter() - started
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    carried = None
    if previous is not None and selection.left_out_ids:
        carried = carry_over(
            result.parameters, previous, selection.left_out_ids, responses.item_ids,
            str(carry_over_model),
        )  # fmt: skip
        typer.echo(f"carried over {len(carried.carried)} item(s) from {carry_over_model}", err=True)
        if carried.not_found:
            typer.echo(
                f"warning: {len(carried.not_found)} left-out item(s) are not in "
                f"{carry_over_model} and get no parameters: {', '.join(carried.not_found)}",
                err=True,
            )
    for problem in result.problems:
        label = "error" if problem.fatal else "warning"
        typer.echo(f"{label}: {problem.message}", err=True)
    summary = result.summary()
    status = "converged" if summary.converged else "NOT converged"
    typer.echo(
        f"{model}: {selection.data.n_candidates} candidates × {selection.data.n_items} "
        f"items, {len(result.parameters.dimensions)} dimension(s); {status} in {seconds:.1f} s"
    )
    if item_models:
        typer.echo(
            f"most/least:      {len(item_models)} item(s) modelled jointly "
            f"({joint_model_name(model)})"
        )
    for line in summary.lines():
        typer.echo(line)
    if result.latent_correlation is not None:
        typer.echo("latent correlations (items fixed; written as latent_correlation):")
        matrix = result.latent_correlation.matrix
        for d, dimension in enumerate(result.parameters.dimensions):
            row = " ".join(f"{v:6.3f}" for v in matrix[d])
            typer.echo(f"  {dimension:<20} {row}")
    if not result.usable:
        failed = ", ".join(result.failed_dimensions)
        if not allow_nonconverged:
            typer.echo(
                f"error: the calibration did not converge or diverged on {failed}; no model "
                f"file written (see the problems above; --allow-nonconverged writes it anyway)",
                err=True,
            )
            raise typer.Exit(EXIT_NOT_CONVERGED)
        typer.echo(
            f"warning: writing a calibration that did not converge on {failed} "
            "(--allow-nonconverged)",
            err=True,
        )
    if n_synthetic:
        typer.echo(
            f"note: {n_synthetic} of {len(loaded.candidate_ids)} respondents are synthetic "
            "(_synthetic); the model file and its norms are marked synthetic"
        )
    forms = response_forms(loaded, str(data))  # the norms' design, when the file records it
    document = calibration_file(
        result, responses, data.name, selection, carried, forms, n_synthetic
    )
    write_model_file(out, document)
    typer.echo(f"wrote {out}")


@user_errors
def score_command(
    data: Annotated[Path, typer.Argument(help="Response data CSV (docs/file-formats.md).")],
    model: ModelFileOption,
    out: Annotated[Path, typer.Option("--out", help="Scores CSV to write (docs/file-formats.md).")],
    method: Annotated[Method, typer.Option("--method", help="Scoring method.")] = Method.eap,
    independent_prior: Annotated[
        bool,
        typer.Option(
            "--independent-prior",
            help="Score every dimension under its own N(0, 1) prior even when the model file "
            "states a latent_correlation.",
        ),
    ] = False,
) -> None:
    """Score respondents: theta and SE per dimension (plus T-score and percentile).

    When the model file states a latent_correlation, all dimensions are scored together
    under the N(0, R) prior (multivariate EAP, or MAP), so each answer informs every
    competency; the SE is the posterior SD of each dimension. A _form column (adaptive or
    fixed, as sjt responses writes it) compares each respondent with their form's norm
    tables when the model file has them, as the database does.
    """
    document = read_model_file(model)
    parameters = document.parameters
    loaded, aligned = read_for_model(data, document, model)
    correlated = parameters.latent_correlation is not None and not independent_prior
    try:
        estimate: ThetaEstimate = (
            score_correlated(parameters, aligned, method.value)
            if correlated
            else score(parameters, aligned, method.value)
        )
    except ScoringError as error:
        raise fail(str(error)) from None
    row_norms = form_norm_tables(document, response_forms(loaded, str(data)))
    write_scores_csv(
        out, loaded.candidate_ids, estimate, document.norm_tables, loaded.extra, row_norms
    )
    prior = "N(0, R), R from the model's latent_correlation" if correlated else "N(0, 1) each"
    typer.echo(
        f"scored {aligned.n_candidates} candidates by {method.value} (prior {prior}) → {out}"
    )


def read_for_model(
    data: Path, document: ModelDocument, model: Path
) -> tuple[ResponseFile, ResponseMatrix]:
    """Read DATA.csv for a model: its items in the model's order, the two parts of each joint
    most/least item joined into one response.

    A column the model lacks is refused unless it is an item of the bank (a pretest item, or
    one the model leaves out) or an item the calibration left out (``left_out``): those are
    skipped with a warning. Anything else is most likely a typo, and skipping it would lose
    the answers in it. A model file whose codes of a bank item are not the item's option ids
    (``bank_code_problems``) is refused before the data are read: it, not the data, is wrong.
    """
    from items import load_bank
    from items.scoring_map import join_most_least, joint_item_ids, reading_specs

    parameters = document.parameters
    specs = reading_specs(parameters)
    if any(isinstance(code, str) for spec in specs for code in spec.codes):
        check_bank_codes(parameters, load_bank(), str(model))
    loaded = read_response_csv(
        data, specs=specs, ignore_unknown=True, option_ids=_bank_letters(specs)
    )
    if loaded.ignored_columns:
        strangers = sorted(set(loaded.ignored_columns) - _known_elsewhere(document))
        if strangers:
            raise DataFileError(
                str(data),
                [
                    f"line 1: unknown item column(s) {strangers[:10]}: neither items of the "
                    "model nor of the item bank (a typo?); columns must be item ids "
                    "(most/least items as <id>.most and <id>.least), and extra columns "
                    "are named with a leading '_'"
                ],
            )
        typer.echo(
            f"warning: skipping {len(loaded.ignored_columns)} column(s) of bank items the "
            f"model has no parameters for: {list(loaded.ignored_columns)[:10]}",
            err=True,
        )
    try:
        joined = join_most_least(loaded.data, loaded.candidate_ids, only=joint_item_ids(parameters))
    except ScoringError as error:
        raise fail(f"{data}: {error}") from None
    _check_parts(joined, parameters, data)
    return loaded, align_to_model(joined, parameters)


def _bank_letters(specs: Sequence[ItemSpec]) -> dict[str, tuple[str, ...]]:
    """Bank option ids, in the bank's option order, of the model's integer-coded bank items:
    interfaces.md lets a cell hold an option id of the bank or an integer code, and code k of
    a bank item is its k-th option (the bank is loaded only when such an item exists)."""
    coded = [spec for spec in specs if all(isinstance(code, int) for code in spec.codes)]
    if not coded:
        return {}
    from items import load_bank
    from items.scoring_map import bank_item_id

    options = {item.id: item.option_ids for item in load_bank()}
    return {
        spec.item_id: options[bank_item_id(spec.item_id)]
        for spec in coded
        if len(options.get(bank_item_id(spec.item_id), ())) == spec.n_categories
        and list(spec.codes) == list(range(spec.n_categories))
    }


def _known_elsewhere(document: ModelDocument) -> set[str]:
    """Column names a data file may hold beside the model's items: the bank's items (and
    their parts) and the items the calibration left out (``left_out``, and their parts)."""
    from items import load_bank
    from items.formats import LEAST_SUFFIX, MOST_SUFFIX
    from items.scoring_map import item_specs

    left_out = document.extra.get("left_out")
    ids: set[str] = set()
    for entry in left_out if isinstance(left_out, list) else []:
        item_id = entry.get("item_id") if isinstance(entry, dict) else None
        if isinstance(item_id, str):
            ids.add(item_id)
    bank = load_bank()
    ids |= {item.id for item in bank}
    parts = {item_id + suffix for item_id in ids for suffix in (MOST_SUFFIX, LEAST_SUFFIX)}
    return ids | parts | {spec.item_id for spec in item_specs(bank)}


def _check_parts(data: ResponseMatrix, parameters: ModelParameters, source: Path) -> None:
    """Fail when a part of a two-part item is in the data without its partner, or the model
    expects the joint item but the data hold only one of its parts."""
    present = set(data.item_ids)
    for item_id in parameters.item_ids:
        if item_id in present:
            continue
        half = [p for p in (item_id + ".most", item_id + ".least") if p in present]
        if half:
            raise fail(
                f"{source}: column {half[0]!r} has no partner column; most_least items need "
                "both <id>.most and <id>.least"
            )


@user_errors
def item_analysis(
    data: Annotated[Path, typer.Argument(help="Response data CSV.")],
    model: ModelFileOption,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Report file: REPORT.json for JSON; REPORT.csv, or a name without an "
            "extension (--out REPORT), for CSV (one row per item).",
        ),
    ],
    group: Annotated[
        str | None,
        typer.Option("--group", help="Data column with group labels: adds DIF per item."),
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Reference group (default: largest).")
    ] = None,
) -> None:
    """Classical and IRT item statistics, item fit and local dependence (and DIF), one row per
    item.

    Item fit: S-X2 where candidates answered every item of a dimension, and the
    rest-posterior statistic (rest_fit, rest_fit_p) that also works on adaptive data. Local
    dependence: Yen's Q3* (q3_partner, q3_star), flagged above 0.2. Classical statistics use
    the administered items (pairwise); alpha_administered is alpha at the average test length.
    Keys: the option order by the model's option weights (empirical_order) beside the SME
    credits (sme_order), their rank correlation, and key_best / key_worst / key_order flags
    where the data disagree with the key beyond estimation noise.
    """
    from scoring.dif import dif_analysis
    from scoring.item_analysis import analyse_items

    if out.suffix.lower() not in ("", ".csv", ".json"):
        raise usage_error(
            f"--out must end in .csv or .json, or have no extension (then CSV), got {out.name!r}"
        )
    as_json = out.suffix.lower() == ".json"
    document = read_model_file(model)
    parameters = document.parameters
    loaded, aligned = read_for_model(data, document, model)
    analysis = analyse_items(parameters, aligned)
    rows = analysis.rows()
    if group is not None:
        column = group if group in loaded.extra else f"_{group}"
        if column not in loaded.extra:
            raise fail(
                f"{data}: no column {group!r} for --group; group columns are named with a "
                f"leading '_' (found: {sorted(loaded.extra) or 'none'})"
            )
        estimate = score_eap(parameters, aligned)
        matching = {d: estimate.theta[:, i] for i, d in enumerate(parameters.dimensions)}
        dif = {
            entry.item_id: entry.row()
            for entry in dif_analysis(aligned, loaded.extra[column], matching, reference)
        }
        for row in rows:
            row.update({k: v for k, v in dif[row["item_id"]].items() if k != "item_id"})
    if not as_json:
        header = list(rows[0])
        write_csv(out, header, [[_cell(row[key]) for key in header] for row in rows])
    else:
        write_json(
            out,
            {
                "model": parameters.model,
                "n_candidates": loaded.data.n_candidates,
                "dimensions": _finite(analysis.summary()),
                "items": _finite(rows),
                "options": _finite(analysis.classical.option_rows()),
                "local_dependence": _finite(
                    [
                        pair
                        for pair in analysis.dependence.rows()
                        if abs(pair["q3_star"]) > analysis.dependence.flag
                    ]
                ),
            },
        )
    flagged = sum(1 for row in rows if row["flags"])
    typer.echo(f"analysed {len(rows)} items of {loaded.data.n_candidates} candidates; "
               f"{flagged} flagged → {out} ({'JSON' if as_json else 'CSV'})")  # fmt: skip
    for dimension, entry in analysis.summary().items():
        typer.echo(
            f"  {dimension:<20} alpha {entry['alpha']:.3f}  omega {entry['omega']:.3f}  "
            f"alpha at {entry['mean_administered']:.1f} administered items "
            f"{entry['alpha_administered']:.3f}  locally dependent pairs "
            f"{entry['dependent_pairs']}"
        )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if not np.isfinite(value) else f"{value:.6g}"
    return str(value)


def _finite(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
