"""Item parameters of a calibrated model as a plain table that round-trips to the model file.

The model file (``interfaces.md``) lists, per item, its categories with ``code``, ``slope`` and
``intercept``. ``ModelParameters.to_dict`` writes that form; ``from_dict`` reads it back and
validates every field, naming the item and field of any problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.data import ItemSpec
from scoring.errors import ScoringError
from scoring.models import ItemModel, get_model

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ItemParameters:
    """Parameters of one item: the free parameters of its model and their standard errors."""

    spec: ItemSpec
    params: tuple[float, ...]
    se: tuple[float, ...] | None = None

    @property
    def item_id(self) -> str:
        return self.spec.item_id

    @property
    def dimension(self) -> str:
        return self.spec.dimension


@dataclass(frozen=True)
class ItemGroup:
    """Items of one dimension and one category count, stacked for vectorised model calls."""

    columns: NDArray[np.int64]
    """Positions of the items in the model's item list, shape (J,)."""
    params: FloatArray
    scores: FloatArray


@dataclass(frozen=True)
class ModelParameters:
    """A calibrated item model: everything needed to score, simulate or write a model file."""

    model: str
    dimensions: tuple[str, ...]
    items: tuple[ItemParameters, ...]
    _groups: dict[str, tuple[ItemGroup, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        item_model = get_model(self.model)
        for item in self.items:
            item_model.check_categories(item.spec.n_categories)
            expected = item_model.n_params(item.spec.n_categories)
            if len(item.params) != expected:
                raise ScoringError(
                    f"item {item.item_id}: {self.model} needs {expected} parameters, "
                    f"got {len(item.params)}"
                )
            if item.dimension not in self.dimensions:
                raise ScoringError(f"item {item.item_id}: unknown dimension {item.dimension!r}")
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ScoringError("duplicate item ids in model")

    @property
    def item_model(self) -> ItemModel:
        return get_model(self.model)

    @property
    def specs(self) -> tuple[ItemSpec, ...]:
        return tuple(item.spec for item in self.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)

    def __iter__(self) -> Iterator[ItemParameters]:
        return iter(self.items)

    def restricted(self, item_ids: Iterable[str]) -> ModelParameters:
        """The same model with only the items in ``item_ids`` (model order kept)."""
        wanted = set(item_ids)
        items = tuple(item for item in self.items if item.item_id in wanted)
        return ModelParameters(self.model, self.dimensions, items)

    def groups(self, dimension: str) -> tuple[ItemGroup, ...]:
        """Items of ``dimension`` grouped by category count (cached)."""
        if dimension not in self._groups:
            by_k: dict[int, list[int]] = {}
            for column, item in enumerate(self.items):
                if item.dimension == dimension:
                    by_k.setdefault(item.spec.n_categories, []).append(column)
            self._groups[dimension] = tuple(
                ItemGroup(
                    columns=np.array(columns, dtype=np.int64),
                    params=np.array([self.items[c].params for c in columns], dtype=float),
                    scores=np.array([self.items[c].spec.scores for c in columns], dtype=float),
                )
                for _, columns in sorted(by_k.items())
            )
        return self._groups[dimension]

    def probabilities(self, column: int, theta: FloatArray) -> FloatArray:
        """Category probabilities of item ``column`` at ``theta``, shape (K, Q)."""
        item = self.items[column]
        return self.item_model.probabilities(
            np.array([item.params]), np.array([item.spec.scores]), np.asarray(theta, float)
        )[0]

    def to_dict(self) -> dict[str, Any]:
        """The model-file form of ``interfaces.md`` (plus scores and standard errors)."""
        item_model = self.item_model
        out: dict[str, Any] = {"model": self.model}
        if item_model.form == "cumulative":
            out["form"] = "cumulative"
        out["dimensions"] = list(self.dimensions)
        items = []
        for item in self.items:
            params = np.array([item.params])
            scores = np.array([item.spec.scores])
            slopes, intercepts = item_model.to_categories(params, scores)
            categories = [
                {
                    "code": code,
                    "slope": float(slopes[0, k]),
                    "intercept": None if math.isnan(intercepts[0, k]) else float(intercepts[0, k]),
                    "score": float(item.spec.scores[k]),
                }
                for k, code in enumerate(item.spec.codes)
            ]
            entry: dict[str, Any] = {
                "item_id": item.item_id,
                "dimension": item.dimension,
                "categories": categories,
                "parameters": [float(value) for value in item.params],
            }
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
        try:
            return ModelParameters(item_model.name, tuple(dimensions), tuple(items))
        except ScoringError as error:
            raise self.fail("items", str(error)) from None

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
            slopes.append(self.number(category.get("slope"), f"{here}.slope"))
            cumulative_first = item_model.form == "cumulative" and k == 0
            intercept = category.get("intercept")
            intercepts.append(
                math.nan
                if cumulative_first and intercept is None
                else self.number(intercept, f"{here}.intercept")
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
        se = entry.get("standard_errors")
        se_values = None
        if isinstance(se, list) and len(se) == len(params):
            se_values = tuple(
                math.nan if v is None else self.number(v, f"{where}.standard_errors[{k}]")
                for k, v in enumerate(se)
            )
        return ItemParameters(spec, tuple(float(v) for v in params), se_values)

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"must be a number, got {str(value)[:40]!r}")
        try:
            number = float(value)
        except OverflowError:
            raise self.fail(where, "is too large for a number") from None
        if not math.isfinite(number):
            raise self.fail(where, "must be finite")
        return number
