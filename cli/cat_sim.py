"""``sjt cat-sim``: simulation study of the adaptive test against the fixed form."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from assessment.delivery.exposure import (
    EXPOSURE_FILE,
    load_exposure_parameters,
    write_exposure_parameters,
)
from assessment.delivery.policy import CATPolicy
from assessment.delivery.simulation import (
    simulate_cat,
    simulation_record,
    sympson_hetter_parameters,
    write_simulation_record,
)
from assessment.psychometrics.data_files import read_model_file
from cli.errors import user_errors
from cli.options import BankOption, SeedOption
from items import load_bank
from items.forms import load_fixed_form
from items.scoring_map import synthetic_model

DEFAULTS = CATPolicy()


class Exposure(StrEnum):
    randomesque = "randomesque"
    sympson_hetter = "sympson_hetter"
    none = "none"


DEFAULT_EXPOSURE = Exposure(DEFAULTS.exposure_control)


@user_errors
def cat_sim(
    n: Annotated[int, typer.Option("--n", min=2, help="Number of simulated candidates.")] = 1000,
    seed: SeedOption = 1,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model file generating and scoring the answers (default: the synthetic model "
            "of the bank).",
        ),
    ] = None,
    rho: Annotated[
        float,
        typer.Option(
            "--rho", min=-0.2, max=0.99, help="Correlation of the simulated competencies."
        ),
    ] = 0.5,
    save_record: Annotated[
        bool,
        typer.Option(
            "--save-record",
            help="Also write the simulation record (reliabilities, norms of the delivered "
            "test) to assessment/delivery/simulation.json, used by the synthetic demo model.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write one row per simulated candidate: <dim>_true, <dim>_theta, <dim>_se, "
            "n_items, composite_true, composite, composite_se, band_true, band, items.",
        ),
    ] = None,
    bank: BankOption = None,
    form: Annotated[
        Path | None,
        typer.Option("--form", help="Forms file with the fixed form (default: packaged)."),
    ] = None,
    se_target: Annotated[
        float, typer.Option("--se-target", min=0.01, help="Stop when every SE is at most this.")
    ] = DEFAULTS.se_target,
    composite_se_target: Annotated[
        float | None,
        typer.Option(
            "--composite-se-target",
            min=0.01,
            help="Also continue while the composite's SE (T scale) is above this.",
        ),
    ] = DEFAULTS.composite_se_target,
    max_items: Annotated[
        int, typer.Option("--max-items", min=1, help="Maximum test length.")
    ] = DEFAULTS.max_items,
    min_items: Annotated[
        int, typer.Option("--min-items", min=0, help="Minimum items per competency.")
    ] = DEFAULTS.min_items_per_competency,
    exposure: Annotated[
        Exposure, typer.Option("--exposure", help="Exposure control method.")
    ] = DEFAULT_EXPOSURE,
    randomesque_n: Annotated[
        int, typer.Option("--randomesque-n", min=1, help="Randomesque: choose among this many.")
    ] = DEFAULTS.randomesque_n,
    max_exposure: Annotated[
        float,
        typer.Option("--max-exposure", min=0.01, max=1.0, help="Largest acceptable exposure."),
    ] = DEFAULTS.max_exposure,
    exposure_target: Annotated[
        float,
        typer.Option("--exposure-target", min=0.01, max=1.0, help="Sympson–Hetter target rate r."),
    ] = DEFAULTS.exposure_target,
    exposure_file: Annotated[
        Path | None,
        typer.Option(
            "--exposure-file",
            help="Sympson–Hetter parameters to use, or to write with --exposure-calibrate "
            "(default: the shipped assessment/delivery/exposure.json).",
        ),
    ] = None,
    exposure_calibrate: Annotated[
        bool,
        typer.Option(
            "--exposure-calibrate",
            help="Compute Sympson–Hetter parameters for this policy by simulation (--n "
            "candidates per round, --seed), write them to the exposure file and print one "
            "JSON line instead of running the study.",
        ),
    ] = False,
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, help="--exposure-calibrate: simulation rounds.")
    ] = 10,
) -> None:
    """Simulate the adaptive test and the fixed form on the same candidates; print one JSON line.

    Keys: mean_items, fixed_items, estimated_minutes (at seconds_per_item), reliability_min,
    composite_reliability, composite_rmse_over_se, band_agreement, theta_r_min,
    fixed_theta_r_min, max_exposure, item_reduction, theta_r_gap_max, rho, policy,
    stop_reasons and competencies (per competency: reliability = squared correlation with the
    true theta, rmse, rms_se, rmse_over_se, mean_items, and the fixed form's figures).
    """
    items = load_bank(bank)
    parameters = synthetic_model(items) if model is None else read_model_file(model).parameters
    model_name = "synthetic" if model is None else str(model)
    fixed_form = load_fixed_form(items, form)
    policy = CATPolicy(
        se_target=se_target,
        composite_se_target=composite_se_target,
        max_items=max_items,
        min_items_per_competency=min_items,
        exposure_control=exposure.value,
        randomesque_n=randomesque_n,
        max_exposure=max_exposure,
        exposure_target=exposure_target,
    )
    if exposure_calibrate:
        control = sympson_hetter_parameters(
            items, parameters, policy, n=n, seed=seed, n_rounds=rounds, fixed_form=fixed_form
        )
        provenance: dict[str, Any] = {
            "model": model_name,
            "policy": policy.model_dump(),
            "n": n,
            "seed": seed,
            "rounds": rounds,
            "computed_by": "assessment.delivery.simulation.sympson_hetter_parameters",
        }
        written = write_exposure_parameters(control, provenance, exposure_file)
        line = {
            "exposure_file": str(written),
            "items": len(control),
            "controlled": sum(k < 1.0 for k in control.values()),
            "min_k": round(min(control.values()), 4),
            **provenance,
        }
        typer.echo(json.dumps(line, separators=(",", ":")))
        return
    given: dict[str, float] | None = None
    provenance = {}
    if policy.exposure_control == "sympson_hetter":
        given, provenance = load_exposure_parameters(exposure_file)
    result = simulate_cat(
        items,
        parameters,
        policy,
        n=n,
        seed=seed,
        correlation=rho,
        exposure_parameters=given,
        fixed_form=fixed_form,
    )
    summary = result.summary()
    summary["model"] = model_name
    if out is not None:
        summary["out"] = str(result.write_csv(out))
    if save_record:
        summary["record"] = str(write_simulation_record(simulation_record(result, model_name)))
    if policy.exposure_control == "sympson_hetter":
        summary["exposure_file"] = str(exposure_file or EXPOSURE_FILE)
        summary["exposure_matches_policy"] = provenance.get("policy") == policy.model_dump()
    typer.echo(json.dumps(summary, separators=(",", ":")))
