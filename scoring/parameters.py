"""Item parameters of a calibrated model as a plain table that round-trips to the model file.

The model file (``interfaces.md``) lists, per item, its categories with ``code``, ``slope`` and
``intercept``. ``ModelParameters.to_dict`` writes that form; ``from_dict`` reads it back and
validates every field, naming the item and field of any problem.

Two optional additions: an item whose model differs from the file's ``"model"`` names it in
``"item_model"`` — a joint most/least item (:mod:`scoring.most_least`) then lists its
``"options"`` with ``code``, ``most_score``, ``least_score``, ``most_slope``,
``most_intercept``, ``least_slope`` and ``least_intercept`` instead of ``"categories"``
(``P(most = j) ∝ exp(most_slope_j θ + most_intercept_j)``, ``P(least = k | most = j) ∝
exp(least_slope_k θ + least_intercept_k)`` over ``k ≠ j``); and ``"latent_correlation"``, the
correlation matrix of the dimensions (rows in the order of ``"dimensions"``; identity when
absent).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.data import ItemSpec, ResponseMatrix
from scoring.errors import ScoringError
from scoring.models import ItemModel, get_model
from scoring.most_least import is_joint, joint_item_spec, option_codes, split_pair_scores

PARAMETER_LIMIT = 1e4
"""Largest size of a slope or intercept a model file may give. Fitted values stay within a few
dozen; at 1e308 the logits on the quadrature grid (|θ| ≤ 6) overflow, and the file would
otherwise be refused for a reason that names an ``inf`` it does not contain."""


@dataclass(frozen=True)
class ItemParameters:
    """Parameters of one item: the free parameters of its model and their standard errors."""

    spec: ItemSpec
    params: tuple[float, ...]
    se: tuple[float, ...] | None = None
    item_model: str | None = None
    """Registry key of the item's model when it differs from the file's (e.g. a joint
    most/least model); None means the model of the :class:`ModelParameters`."""

    @property
    def item_id(self) -> str:
        return self.spec.item_id

    @property
    def dimension(self) -> str:
        return self.spec.dimension


@dataclass(frozen=True)
class ItemGroup:
    """Items of one dimension, item model and category count, stacked for vectorised calls."""

    columns: IntArray
    """Positions of the items in the model's item list, shape (J,)."""
    params: FloatArray
    scores: FloatArray
    item_model: ItemModel
    """The model of every item of the group."""


@dataclass(frozen=True)
class ModelParameters:
    """A calibrated item model: everything needed to score, simulate or write a model file."""

    model: str
    dimensions: tuple[str, ...]
    items: tuple[ItemParameters, ...]
    latent_correlation: tuple[tuple[float, ...], ...] | None = None
    """Correlation matrix of the dimensions (rows in the order of ``dimensions``); None for
    independent dimensions."""
    _groups: dict[str, tuple[ItemGroup, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        get_model(self.model)
        for item in self.items:
            item_model = self._model_of(item)
            item_model.check_categories(item.spec.n_categories)
            expected = item_model.n_params(item.spec.n_categories)
            if len(item.params) != expected:
                raise ScoringError(
                    f"item {item.item_id}: {item_model.name} needs {expected} parameters, "
                    f"got {len(item.params)}"
                )
            if item.dimension not in self.dimensions:
                raise ScoringError(f"item {item.item_id}: unknown dimension {item.dimension!r}")
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ScoringError("duplicate item ids in model")
        if self.latent_correlation is not None:
            matrix = _check_correlation(self.latent_correlation, len(self.dimensions))
            object.__setattr__(
                self, "latent_correlation", tuple(tuple(float(v) for v in row) for row in matrix)
            )

    def _model_of(self, item: ItemParameters) -> ItemModel:
        return get_model(item.item_model or self.model)

    @property
    def item_model(self) -> ItemModel:
        """The file's model; items may differ (see :meth:`item_model_for` and ``groups``)."""
        return get_model(self.model)

    def item_model_for(self, column: int) -> ItemModel:
        """The model of the item at position ``column``."""
        return self._model_of(self.items[column])

    @property
    def correlation(self) -> FloatArray:
        """The latent correlation matrix (D, D); the identity when none is stated."""
        if self.latent_correlation is None:
            return np.eye(len(self.dimensions))
        return np.array(self.latent_correlation, dtype=float)

    @property
    def n_params(self) -> int:
        """Number of free item parameters."""
        return sum(self._model_of(item).n_params(item.spec.n_categories) for item in self.items)

    @property
    def specs(self) -> tuple[ItemSpec, ...]:
        return tuple(item.spec for item in self.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)

    def check_responses(self, data: ResponseMatrix) -> None:
        """Refuse ``data`` unless it lists this model's items in the same order (columns are
        matched to items by position)."""
        if data.item_ids != self.item_ids:
            raise ScoringError("responses and model must list the same items in the same order")

    def __iter__(self) -> Iterator[ItemParameters]:
        return iter(self.items)

    def restricted(self, item_ids: Iterable[str]) -> ModelParameters:
        """The same model with only the items in ``item_ids`` (model order kept)."""
        wanted = set(item_ids)
        items = tuple(item for item in self.items if item.item_id in wanted)
        return dataclasses.replace(self, items=items, _groups={})

    def groups(self, dimension: str) -> tuple[ItemGroup, ...]:
        """Items of ``dimension`` grouped by item model and category count (cached).

        Groups of the file's model come first, in order of category count.
        """
        if dimension not in self._groups:
            by_key: dict[tuple[bool, str, int], list[int]] = {}
            for column, item in enumerate(self.items):
                if item.dimension == dimension:
                    name = self._model_of(item).name
                    key = (name != self.model, name, item.spec.n_categories)
                    by_key.setdefault(key, []).append(column)
            self._groups[dimension] = tuple(
                ItemGroup(
                    columns=np.array(columns, dtype=np.int64),
                    params=np.array([self.items[c].params for c in columns], dtype=float),
                    scores=np.array([self.items[c].spec.scores for c in columns], dtype=float),
                    item_model=get_model(key[1]),
                )
                for key, columns in sorted(by_key.items())
            )
        return self._groups[dimension]

    def probabilities(self, column: int, theta: FloatArray) -> FloatArray:
        """Category probabilities of item ``column`` at ``theta``, shape (K, Q)."""
        item = self.items[column]
        return self.item_model_for(column).probabilities(
            np.array([item.params]), np.array([item.spec.scores]), np.asarray(theta, float)
        )[0]

    def to_dict(self) -> dict[str, Any]:
        """The model-file form of ``interfaces.md`` (plus scores and standard errors)."""
        file_model = self.item_model
        out: dict[str, Any] = {"model": self.model}
        if file_model.form == "cumulative":
            out["form"] = "cumulative"
        out["dimensions"] = list(self.dimensions)
        if self.latent_correlation is not None:
            out["latent_correlation"] = [list(row) for row in self.latent_correlation]
        items = []
        for item in self.items:
            item_model = self._model_of(item)
            params = np.array([item.params])
            scores = np.array([item.spec.scores])
            slopes, intercepts = item_model.to_categories(params, scores)
            entry: dict[str, Any] = {"item_id": item.item_id, "dimension": item.dimension}
            if item_model.name != self.model:
                entry["item_model"] = item_model.name
            if is_joint(item_model):
                options = _joint_options(item.spec, slopes[0], intercepts[0])
                entry["categories"] = most_pick_categories(options)
                entry["options"] = options
            else:
                entry["categories"] = [
                    {
                        "code": code,
                        "slope": float(slopes[0, k]),
                        "intercept": None
                        if math.isnan(intercepts[0, k])
                        else float(intercepts[0, k]),
                        "score": float(item.spec.scores[k]),
                    }
                    for k, code in enumerate(item.spec.codes)
                ]
            entry["parameters"] = [float(value) for value in item.params]
            if item.se is not None:
                entry["standard_errors"] = [
                    None if not math.isfinite(value) else float(value) for value in item.se
                ]
            items.append(entry)
        out["items"] = items
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "model file") -> ModelParameters:
        """Read the model-file form, naming the item and field of every problem."""
        reader = _ModelFileReader(source)
        return reader.read(data)


class _ModelFileReader:
    """Validates a model-file mapping field by field with located messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ScoringError:
        return ScoringError(f"{self.source}: {where}: {message}")

    def read(self, data: Mapping[str, Any]) -> ModelParameters:
        if not isinstance(data, Mapping):
            raise self.fail("top level", "must be a JSON object")
        for key in ("model", "dimensions", "items"):
            if key not in data:
                raise self.fail(key, "required field is missing")
        name = data["model"]
        try:
            item_model = get_model(str(name))
        except ScoringError as error:
            raise self.fail("model", str(error)) from None
        dimensions = data["dimensions"]
        if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
            raise self.fail("dimensions", "must be a list of names")
        if not isinstance(data["items"], list) or not data["items"]:
            raise self.fail("items", "must be a non-empty list")
        items = [
            self.read_item(item_model, entry, index, tuple(dimensions))
            for index, entry in enumerate(data["items"])
        ]
        correlation = self.read_correlation(data.get("latent_correlation"), len(dimensions))
        try:
            return ModelParameters(item_model.name, tuple(dimensions), tuple(items), correlation)
        except ScoringError as error:
            raise self.fail("items", str(error)) from None

    def read_correlation(
        self, value: Any, n_dimensions: int
    ) -> tuple[tuple[float, ...], ...] | None:
        """The optional ``latent_correlation`` matrix, checked (None when absent)."""
        if value is None:
            return None
        where = "latent_correlation"
        if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
            raise self.fail(where, "must be a list of rows (one per dimension)")
        rows = tuple(
            tuple(self.number(v, f"{where}[{r}][{c}]") for c, v in enumerate(row))
            for r, row in enumerate(value)
        )
        try:
            _check_correlation(rows, n_dimensions)
        except ScoringError as error:
            raise self.fail(where, str(error)) from None
        return rows

    def read_item(
        self, item_model: ItemModel, entry: Any, index: int, dimensions: tuple[str, ...]
    ) -> ItemParameters:
        where = f"items[{index}]"
        if not isinstance(entry, Mapping):
            raise self.fail(where, "must be an object")
        item_id = entry.get("item_id")
        if not isinstance(item_id, str) or not item_id:
            raise self.fail(f"{where}.item_id", "must be a non-empty string")
        where = f"item {item_id}"
        dimension = entry.get("dimension")
        if dimension not in dimensions:
            raise self.fail(f"{where}.dimension", f"{dimension!r} is not in {list(dimensions)}")
        own_model: str | None = None
        if "item_model" in entry:
            try:
                own = get_model(str(entry["item_model"]))
            except ScoringError as error:
                raise self.fail(f"{where}.item_model", str(error)) from None
            if own.name != item_model.name:
                own_model, item_model = own.name, own
        if is_joint(item_model):
            spec, params = self.read_joint_item(item_model, entry, where, item_id, dimension)
            return ItemParameters(spec, params, self.read_se(entry, where, len(params)), own_model)
        categories = entry.get("categories")
        if not isinstance(categories, list) or len(categories) < 2:
            raise self.fail(f"{where}.categories", "must list at least 2 categories")
        codes: list[str | int] = []
        slopes: list[float] = []
        intercepts: list[float] = []
        scores: list[float] = []
        for k, category in enumerate(categories):
            here = f"{where}.categories[{k}]"
            if not isinstance(category, Mapping) or "code" not in category:
                raise self.fail(here, "must be an object with code, slope and intercept")
            code = category["code"]
            if isinstance(code, bool) or not isinstance(code, str | int):
                raise self.fail(f"{here}.code", "must be an option id or an integer")
            codes.append(code)
            slopes.append(self.parameter(category.get("slope"), f"{here}.slope"))
            cumulative_first = item_model.form == "cumulative" and k == 0
            intercept = category.get("intercept")
            intercepts.append(
                math.nan
                if cumulative_first and intercept is None
                else self.parameter(intercept, f"{here}.intercept")
            )
            default_score = code if isinstance(code, int) else k
            scores.append(self.number(category.get("score", default_score), f"{here}.score"))
        try:
            spec = ItemSpec(item_id, dimension, tuple(codes), tuple(scores))
            params = item_model.from_categories(
                np.array([slopes]), np.array([intercepts]), np.array([scores])
            )[0]
        except ScoringError as error:
            raise self.fail(where, str(error)) from None
        values = tuple(float(v) for v in params)
        return ItemParameters(spec, values, self.read_se(entry, where, len(values)), own_model)

    def read_se(
        self, entry: Mapping[str, Any], where: str, n_params: int
    ) -> tuple[float, ...] | None:
        se = entry.get("standard_errors")
        if isinstance(se, list) and len(se) == n_params:
            return tuple(
                math.nan if v is None else self.number(v, f"{where}.standard_errors[{k}]")
                for k, v in enumerate(se)
            )
        return None

    def read_joint_item(
        self, item_model: ItemModel, entry: Mapping[str, Any], where: str, item_id: str,
        dimension: str,
    ) -> tuple[ItemSpec, tuple[float, ...]]:  # fmt: skip
        """A joint most/least item: its ``options`` table (see the module docstring)."""
        options = entry.get("options")
        if not isinstance(options, list) or len(options) < 3:
            raise self.fail(f"{where}.options", f"{item_model.name} needs a list of at least 3 "
                            "options with code, scores, slopes and intercepts")  # fmt: skip
        fields = ("most_score", "least_score", "most_slope", "most_intercept", "least_slope",
                  "least_intercept")  # fmt: skip
        codes: list[str | int] = []
        table = np.empty((len(options), len(fields)))
        for k, option in enumerate(options):
            here = f"{where}.options[{k}]"
            if not isinstance(option, Mapping) or "code" not in option:
                raise self.fail(here, "must be an object with code, " + ", ".join(fields))
            code = option["code"]
            if isinstance(code, bool) or not isinstance(code, str | int):
                raise self.fail(f"{here}.code", "must be an option id or an integer")
            codes.append(code)
            for f, name in enumerate(fields):
                read = self.number if name.endswith("_score") else self.parameter
                table[k, f] = read(option.get(name), f"{here}.{name}")
        try:
            spec = joint_item_spec(
                item_id,
                ItemSpec(f"{item_id}.most", dimension, tuple(codes), tuple(table[:, 0])),
                ItemSpec(f"{item_id}.least", dimension, tuple(codes), tuple(table[:, 1])),
            )
            params = item_model.from_categories(
                np.concatenate([table[:, 2], table[:, 4]])[None, :],
                np.concatenate([table[:, 3], table[:, 5]])[None, :],
                np.array([spec.scores]),
            )[0]
        except ScoringError as error:
            raise self.fail(where, str(error)) from None
        if "categories" in entry:
            self.check_most_pick_categories(entry["categories"], options, where)
        return spec, tuple(float(v) for v in params)

    def check_most_pick_categories(
        self, categories: Any, options: list[Mapping[str, Any]], where: str
    ) -> None:
        """A joint item's ``categories`` must be its most pick's (:func:`most_pick_categories`).

        Codes and scores must match; slopes and intercepts up to a constant shared by all
        categories (which leaves the probabilities alone), within rounding.
        """
        expected = most_pick_categories(options)
        here = f"{where}.categories"
        if not isinstance(categories, list) or len(categories) != len(expected):
            raise self.fail(here, f"a joint most/least item's categories are its most pick's: "
                            f"one per option ({len(expected)}), as in its options")  # fmt: skip
        for k, (given, wanted) in enumerate(zip(categories, expected, strict=True)):
            if not isinstance(given, Mapping) or given.get("code") != wanted["code"]:
                code = given.get("code") if isinstance(given, Mapping) else given
                raise self.fail(f"{here}[{k}].code", f"{code!r} contradicts options[{k}].code "
                                f"{wanted['code']!r}")  # fmt: skip
        fields = {"slope": "most_slope", "intercept": "most_intercept"}
        for name, option_field in fields.items():
            stated = np.array([self.parameter(c.get(name), f"{here}[{k}].{name}")
                               for k, c in enumerate(categories)])  # fmt: skip
            implied = np.array([c[name] for c in expected])
            gap = np.abs((stated - stated[0]) - (implied - implied[0]))
            if np.any(gap > 1e-9 * (1.0 + np.abs(implied))):
                k = int(np.argmax(gap))
                raise self.fail(
                    f"{here}[{k}].{name}",
                    f"{stated[k]} contradicts options[{k}].{option_field} {implied[k]}: a joint "
                    "most/least item's categories describe its most pick and must agree with "
                    "its options (the full model); correct one of them or leave categories out",
                )
        for k, (given, wanted) in enumerate(zip(categories, expected, strict=True)):
            if "score" in given and not math.isclose(
                self.number(given["score"], f"{here}[{k}].score"), wanted["score"], abs_tol=1e-9
            ):
                raise self.fail(f"{here}[{k}].score", f"{given['score']} contradicts "
                                f"options[{k}].most_score {wanted['score']}")  # fmt: skip

    def number(self, value: Any, where: str) -> float:
        """A finite number."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"must be a number, got {str(value)[:40]!r}")
        try:
            number = float(value)
        except OverflowError:
            raise self.fail(where, "is too large for a number") from None
        if not math.isfinite(number):
            raise self.fail(where, "must be finite")
        return number

    def parameter(self, value: Any, where: str) -> float:
        """A slope or an intercept: a finite number at most ``PARAMETER_LIMIT`` in size."""
        number = self.number(value, where)
        if abs(number) > PARAMETER_LIMIT:
            raise self.fail(
                where,
                f"{number:g} is not a parameter of a fitted model (sizes above "
                f"{PARAMETER_LIMIT:g} make the probabilities overflow)",
            )
        return number


def _joint_options(
    spec: ItemSpec, slopes: FloatArray, intercepts: FloatArray
) -> list[dict[str, Any]]:
    """The ``options`` table of a joint most/least item (slopes, intercepts: (2K,))."""
    codes = option_codes(spec.codes)
    most, least = split_pair_scores(np.array([spec.scores]))
    n = len(codes)
    return [
        {
            "code": code,
            "most_score": float(most[0, k]),
            "least_score": float(least[0, k]),
            "most_slope": float(slopes[k]),
            "most_intercept": float(intercepts[k]),
            "least_slope": float(slopes[n + k]),
            "least_intercept": float(intercepts[n + k]),
        }
        for k, code in enumerate(codes)
    ]


def most_pick_categories(options: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``categories`` of a joint most/least item: the most pick's option parameters.

    In the sequential model the least pick is summed out exactly, so with these categories
    the divide-by-total formula of ``interfaces.md`` gives P(most pick = k | θ); the full
    model (the least pick given the most pick) is in the ``options``.
    """
    return [
        {
            "code": option["code"],
            "slope": float(option["most_slope"]),
            "intercept": float(option["most_intercept"]),
            "score": float(option["most_score"]),
        }
        for option in options
    ]


def _check_correlation(matrix: Any, n_dimensions: int) -> FloatArray:
    """A valid correlation matrix (D, D) as an array, or ``ScoringError`` saying why not."""
    values = np.asarray(matrix, dtype=float)
    if values.shape != (n_dimensions, n_dimensions):
        raise ScoringError(
            f"must be {n_dimensions} rows of {n_dimensions} numbers (one per dimension), "
            f"got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ScoringError("must hold finite numbers")
    if not np.allclose(np.diag(values), 1.0, atol=1e-9):
        raise ScoringError("the diagonal must be 1")
    if not np.allclose(values, values.T, atol=1e-9):
        raise ScoringError("must be symmetric")
    try:
        np.linalg.cholesky(values)
    except np.linalg.LinAlgError:
        raise ScoringError("must be positive definite") from None
    return values
