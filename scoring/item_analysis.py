"""Item analysis: classical statistics, IRT parameters and item fit in one table per item.

Used by ``sjt item-analysis`` and the psychometrician's review page. Flags mark what a
reviewer should look at; they are prompts for judgement, not automatic decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.classical import ClassicalResult, classical_statistics
from scoring.data import ResponseMatrix
from scoring.fit import ItemFitResult, item_fit
from scoring.models import ItemModel
from scoring.most_least import is_joint, option_codes
from scoring.parameters import ModelParameters

RARE_OPTION = 0.05
LOW_REST_CORRELATION = 0.10
MISFIT_P = 0.01


@dataclass(frozen=True)
class ItemAnalysis:
    """Classical statistics, item fit and the model's parameters for every item."""

    model: ModelParameters
    classical: ClassicalResult
    fit: ItemFitResult

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per item with a ``flags`` column (semicolon-separated)."""
        fits = {entry.item_id: entry for entry in self.fit.items}
        stats = {entry.item_id: entry for entry in self.classical.items}
        codes = list(dict.fromkeys(code for spec in self.model.specs for code in spec.codes))
        slopes: dict[int, dict[str | int, float]] = {}
        for dimension in self.model.dimensions:
            for group in self.model.groups(dimension):
                s, _ = group.item_model.to_categories(group.params, group.scores)
                for position, column in enumerate(group.columns):
                    slopes[int(column)] = _code_slopes(
                        group.item_model, self.model.items[int(column)].spec.codes, s[position]
                    )
        codes += [code for table in slopes.values() for code in table if code not in codes]
        rows = []
        for column, item in enumerate(self.model.items):
            stat = stats[item.item_id]
            fit = fits[item.item_id]
            row: dict[str, Any] = {
                "item_id": item.item_id,
                "dimension": item.dimension,
                "n_answered": stat.n_answered,
                "mean_score": stat.mean,
                "item_rest_r": stat.item_rest_correlation,
                "alpha_if_deleted": stat.alpha_if_deleted,
            }
            code_index = {code: k for k, code in enumerate(item.spec.codes)}
            for code in codes:
                k = code_index.get(code)
                row[f"prop_{code}"] = stat.option_proportions[k] if k is not None else math.nan
                row[f"rest_r_{code}"] = (
                    stat.option_rest_correlations[k] if k is not None else math.nan
                )
                row[f"slope_{code}"] = slopes[column].get(code, math.nan)
            category_slopes = list(slopes[column].values())
            row["slope_range"] = float(np.max(category_slopes) - np.min(category_slopes))
            row["param_1"] = item.params[0]
            row["se_1"] = item.se[0] if item.se else math.nan
            row["sx2"] = fit.sx2
            row["df"] = fit.df
            row["p_value"] = fit.p_value
            row["fit_note"] = fit.note or ""
            row["flags"] = ";".join(self._flags(stat, fit))
            rows.append(row)
        return rows

    @staticmethod
    def _flags(stat: Any, fit: Any) -> list[str]:
        flags = []
        if any(p < RARE_OPTION for p in stat.option_proportions):
            flags.append("rare_option")
        if not math.isnan(stat.item_rest_correlation) and (
            stat.item_rest_correlation < LOW_REST_CORRELATION
        ):
            flags.append("low_item_rest_r")
        if not math.isnan(fit.p_value) and fit.p_value < MISFIT_P:
            flags.append("misfit")
        return flags

    def summary(self) -> dict[str, Any]:
        """Per dimension: alpha, omega and number of flagged items."""
        rows = self.rows()
        out = {}
        for entry in self.classical.dimension_rows():
            dimension = entry["dimension"]
            flagged = sum(1 for r in rows if r["dimension"] == dimension and r["flags"])
            out[dimension] = {**entry, "flagged_items": flagged}
        return out


def _code_slopes(
    item_model: ItemModel, codes: tuple[str | int, ...], slopes: np.ndarray
) -> dict[str | int, float]:
    """Slope of each category code; for a joint most/least item the most-pick slope of each
    option code (its categories are option pairs, which have no slope of their own)."""
    if is_joint(item_model):
        return dict(zip(option_codes(codes), map(float, slopes[: slopes.size // 2]), strict=True))
    return dict(zip(codes, map(float, slopes), strict=True))


def analyse_items(model: ModelParameters, data: ResponseMatrix) -> ItemAnalysis:
    """Run classical statistics and S-X2 item fit for ``data`` under ``model``."""
    return ItemAnalysis(model, classical_statistics(data), item_fit(model, data))
