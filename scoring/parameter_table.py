"""The item parameters with their standard errors as a table, one row per item and parameter.

The form of mirt's ``coef(fit, printSE = TRUE)`` (Chalmers, 2012): every free parameter of the
item model under a name that says what it is, its estimate and its standard error. Names
follow the model's parameterisation (:mod:`scoring.models`):

* ``nrm`` — ``slope_<option>`` and ``intercept_<option>`` of every option but the first, whose
  slope and intercept are fixed at 0 (the reference);
* ``gpcm`` — ``a`` (slope per unit of SME credit) and ``intercept_<option>`` (first option 0);
* ``2pl`` — ``a`` and ``d``; ``grm`` — ``a`` and the boundary intercepts ``d1 … d<K-1>``;
* joint most/least items (:mod:`scoring.most_least`) — their base model's names over the
  options, prefixed ``most_`` and ``least_`` (``<base>_most_least``) or unprefixed
  (``<base>_best_worst``, one utility per option).

References
----------
Chalmers, R. P. (2012). mirt: A multidimensional item response theory package for the R
environment. Journal of Statistical Software, 48(6), 1–29.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoring.data import ItemSpec
from scoring.most_least import SequentialMostLeast, option_codes
from scoring.parameters import ModelParameters


@dataclass(frozen=True)
class ParameterRow:
    """One free parameter of one item."""

    item_id: str
    dimension: str
    parameter: str
    estimate: float
    se: float
    """NaN when no standard error was computed."""


def parameter_names(model: str, spec: ItemSpec) -> tuple[str, ...]:
    """Names of the free parameters of an item of ``spec`` under ``model``, in stored order."""
    return _names(model, [str(code) for code in spec.codes])


def _names(model: str, codes: list[str]) -> tuple[str, ...]:
    others = codes[1:]
    if model == "nrm":
        return (*(f"slope_{c}" for c in others), *(f"intercept_{c}" for c in others))
    if model == "gpcm":
        return ("a", *(f"intercept_{c}" for c in others))
    if model == "2pl":
        return ("a", "d")
    if model == "grm":
        return ("a", *(f"d{k}" for k in range(1, len(codes))))
    raise ValueError(f"no parameter names for item model {model!r}")


def parameter_rows(model: ModelParameters) -> tuple[ParameterRow, ...]:
    """Every free parameter of every item with its standard error, in model order."""
    rows = []
    for column, item in enumerate(model.items):
        names = _item_parameter_names(model, column)
        errors = item.se if item.se is not None else (math.nan,) * len(item.params)
        rows += [
            ParameterRow(item.item_id, item.dimension, name, float(value), float(se))
            for name, value, se in zip(names, item.params, errors, strict=True)
        ]
    return tuple(rows)


def _item_parameter_names(model: ModelParameters, column: int) -> tuple[str, ...]:
    """Parameter names of the item at ``column`` under its own model (joint items included)."""
    item_model = model.item_model_for(column)
    spec = model.items[column].spec
    if not isinstance(item_model, SequentialMostLeast):
        return parameter_names(item_model.name, spec)
    base = _names(item_model.base.name, list(option_codes(spec.codes)))
    if item_model.shared:
        return base
    return (*(f"most_{name}" for name in base), *(f"least_{name}" for name in base))
