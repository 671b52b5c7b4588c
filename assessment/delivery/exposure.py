"""Sympson–Hetter exposure-control parameters: the shipped file, reading and writing it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assessment.delivery.policy import CATPolicy
from assessment.errors import CATConfigurationError

EXPOSURE_FILE = Path(__file__).resolve().parent / "exposure.json"
"""Shipped Sympson–Hetter control parameters (``sjt cat-sim --exposure-calibrate``)."""


def load_exposure_parameters(
    path: str | Path | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Sympson–Hetter control parameters and their provenance from an exposure file.

    Parameters
    ----------
    path : str or Path, optional
        Default: the shipped ``assessment/delivery/exposure.json``.

    Returns
    -------
    parameters : dict of str to float
        Item id → ``K_j``.
    provenance : dict
        How they were computed: model, policy, n, seed, rounds.

    Raises
    ------
    CATConfigurationError
        When the file is missing or malformed.
    """
    file = Path(path) if path is not None else EXPOSURE_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        parameters = {str(k): float(v) for k, v in data["parameters"].items()}
        provenance = dict(data["provenance"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CATConfigurationError(
            f"cannot read exposure parameters from {file}: {error}; recompute them with "
            "`sjt cat-sim --exposure-calibrate`"
        ) from None
    return parameters, provenance


def delivered_exposure_parameters(policy: CATPolicy) -> dict[str, float] | None:
    """The Sympson–Hetter parameters delivery gives the engine under ``policy``: the shipped
    ones when the policy uses Sympson–Hetter, else none. Delivery and the simulation of the
    delivered test at promotion both take them from here, so the simulated test is the one
    candidates take."""
    if policy.exposure_control != "sympson_hetter":
        return None
    return load_exposure_parameters()[0]


def write_exposure_parameters(
    parameters: Mapping[str, float], provenance: Mapping[str, Any], path: str | Path | None = None
) -> Path:
    """Write control parameters with their provenance (default: the shipped file)."""
    file = Path(path) if path is not None else EXPOSURE_FILE
    data = {
        "provenance": dict(provenance),
        "parameters": {item_id: round(float(k), 4) for item_id, k in parameters.items()},
    }
    file.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return file
