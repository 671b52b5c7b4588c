"""``sjt cat-sim``: simulation study of the adaptive test against the fixed form."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assessment.cat import CATPolicy
from assessment.cat_simulation import simulate_cat
from assessment.data_files import read_model_file
from cli.errors import user_errors
from items import load_bank
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
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model file (default: synthetic model of the bank)."),
    ] = None,
    bank: Annotated[
        Path | None, typer.Option("--bank", help="Item bank folder (default: packaged bank).")
    ] = None,
    se_target: Annotated[
        float, typer.Option("--se-target", min=0.01, help="Stop when every SE is at most this.")
    ] = DEFAULTS.se_target,
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
        typer.Option("--max-exposure", min=0.01, max=1.0, help="Sympson–Hetter target rate."),
    ] = DEFAULTS.max_exposure,
) -> None:
    """Simulate the adaptive test and the fixed form on the same candidates; print one JSON line.

    Keys: mean_items, fixed_items, theta_r_min, fixed_theta_r_min, max_exposure, item_reduction,
    theta_r_gap_max, policy, stop_reasons and competencies (per-competency details).
    """
    items = load_bank(bank)
    parameters = synthetic_model(items) if model is None else read_model_file(model).parameters
    policy = CATPolicy(
        se_target=se_target,
        max_items=max_items,
        min_items_per_competency=min_items,
        exposure_control=exposure.value,
        randomesque_n=randomesque_n,
        max_exposure=max_exposure,
    )
    result = simulate_cat(items, parameters, policy, n=n, seed=seed)
    summary = result.summary()
    summary["model"] = "synthetic" if model is None else str(model)
    typer.echo(json.dumps(summary, separators=(",", ":")))
