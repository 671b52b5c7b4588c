"""Item analysis: classical statistics, IRT parameters and item fit in one table per item.

Used by ``sjt item-analysis`` and the psychometrician's review page. Flags mark what a
reviewer should look at; they are prompts for judgement, not automatic decisions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.adaptive_fit import (
    Q3_FLAG,
    DependenceResult,
    RestFit,
    residual_dependence,
    rest_posterior_fit,
)
from scoring.classical import ClassicalResult, classical_statistics
from scoring.data import ResponseMatrix
from scoring.fit import ItemFitResult, item_fit
from scoring.keys import compare_keys
from scoring.models import ItemModel
from scoring.most_least import is_joint, option_codes
from scoring.parameters import ModelParameters

RARE_OPTION = 0.05
LOW_REST_CORRELATION = 0.10
MISFIT_P = 0.01


@dataclass(frozen=True)
class ItemAnalysis:
    """Classical statistics, item fit, the model's parameters and the empirical key (option
    order by weight beside the SME credits, :mod:`scoring.keys`) for every item.

    ``fit`` is S-X2 (complete responses only); ``rest_fit`` the rest-posterior statistic that
    also works on adaptive data; ``dependence`` Yen's Q3 for item pairs.
    """

    model: ModelParameters
    classical: ClassicalResult
    fit: ItemFitResult
    rest_fit: tuple[RestFit, ...] = ()
    dependence: DependenceResult = field(default_factory=lambda: DependenceResult(()))

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per item with a ``flags`` column (semicolon-separated)."""
        fits = {entry.item_id: entry for entry in self.fit.items}
        rest_fits = {entry.item_id: entry for entry in self.rest_fit}
        partners = self.dependence.strongest()
        stats = {entry.item_id: entry for entry in self.classical.items}
        keys = {entry.item_id: entry for entry in compare_keys(self.model)}
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
                "p_best": _best_share(stat),
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
            rest = rest_fits.get(item.item_id)
            row["rest_fit"] = rest.statistic if rest else math.nan
            row["rest_fit_df"] = rest.df if rest else 0
            row["rest_fit_p"] = rest.p_value if rest else math.nan
            row["rest_fit_note"] = rest.note if rest else "not computed"
            partner, star = partners.get(item.item_id, ("", math.nan))
            row["q3_partner"] = partner
            row["q3_star"] = star
            key = keys[item.item_id]
            row.update(key.row())
            row["flags"] = ";".join([*self._flags(stat, fit, rest, star), *key.flags])
            rows.append(row)
        return rows

    @staticmethod
    def _flags(stat: Any, fit: Any, rest: RestFit | None = None, q3: float = math.nan) -> list[str]:
        flags = []
        if any(p < RARE_OPTION for p in stat.option_proportions):
            flags.append("rare_option")
        if not math.isnan(stat.item_rest_correlation) and (
            stat.item_rest_correlation < LOW_REST_CORRELATION
        ):
            flags.append("low_item_rest_r")
        p_value = fit.p_value
        if math.isnan(p_value) and rest is not None:
            p_value = rest.p_value  # S-X2 needs complete data; the rest-posterior fit does not
        if not math.isnan(p_value) and p_value < MISFIT_P:
            flags.append("misfit")
        if not math.isnan(q3) and abs(q3) > Q3_FLAG:
            flags.append("local_dependence")
        return flags

    def summary(self) -> dict[str, Any]:
        """Per dimension: alpha, omega and number of flagged items."""
        rows = self.rows()
        out = {}
        dependent = self.dependence.flagged()
        item_dimension = {item.item_id: item.dimension for item in self.model.items}
        for entry in self.classical.dimension_rows():
            dimension = entry["dimension"]
            flagged = sum(1 for r in rows if r["dimension"] == dimension and r["flags"])
            pairs = sum(1 for a, *_ in dependent if item_dimension.get(a) == dimension)
            out[dimension] = {**entry, "flagged_items": flagged, "dependent_pairs": pairs}
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
    """Classical statistics, S-X2 and rest-posterior item fit, and Yen's Q3 for ``data``."""
    return ItemAnalysis(
        model,
        classical_statistics(data),
        item_fit(model, data),
        rest_posterior_fit(model, data),
        residual_dependence(model, data),
    )


def _best_share(stat: Any) -> float:
    """Share of answering candidates who chose the highest-scored option (the item's "p")."""
    if not stat.scores:
        return math.nan
    top = max(stat.scores)
    return float(
        sum(p for p, v in zip(stat.option_proportions, stat.scores, strict=True) if v == top)
    )
