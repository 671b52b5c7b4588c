"""The model document: one frozen, validated value for a model version (the model file).

A model version travels as this type from the calibration to the store, the delivery, the
reports and the command line; nobody reads the JSON by hand. ``ModelDocument.from_json``
parses and validates a file and raises one ``DataFileError`` whose problems name the item id
and field; ``to_json`` writes the canonical text (deterministic, round-trips exactly).

The format is the model file of ``interfaces.md`` (``model``, ``form``, ``dimensions``,
``items`` with ``categories``) plus the sections written by ``sjt calibrate``, by
promotion and by the synthetic demo model: ``latent_correlation``, ``fit``, ``estimation``,
``norms``, ``simulation``, ``provenance``, ``linking``, ``carried_over``, ``norm_reference``,
``item_answers``, ``renormed_from``, ``version`` (the label written by ``sjt model export``)
and ``form_norms`` (norm tables of a form other than the one ``norms`` describes).

Unknown keys
------------
Inside a known section (an item, a category, a norm table, ``fit``, ``provenance``,
``linking``) an unknown key is an error: these sections hold numbers that change scores, so a
misspelt key (``"slop"``, ``"interecpt"``) must not be dropped silently. At the top level,
``interfaces.md`` promises that a model file may hold "whatever else" besides the listed
fields, so unknown top-level keys are kept in ``extra`` and written back unchanged (sorted);
a key that is a near miss of a known field (``"latent_corelation"``) is an error, since it is
far more likely a typo than a new section. Every key any earlier version of sjt wrote is a
known field, so older files keep loading.

The module sits beside ``errors`` and ``vocabulary`` (shared by every part of
``assessment``) because the store, the delivery and the psychometric operations all use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PlainValidator,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    Strict,
    StrictBool,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from assessment.errors import AssessmentError, DataFileError
from assessment.vocabulary import Form
from scoring import ModelParameters, ScoringError
from scoring.models import get_model
from scoring.norms import PERCENTILE_POINTS, NormTable
from scoring.parameters import most_pick_categories

FloatArray = NDArray[np.float64]

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects a model file may have (it needs about six)."""
CORRELATION_TOLERANCE = 1e-8
"""Largest asymmetry and distance of a diagonal entry from 1 in ``latent_correlation``."""

Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite JSON number (an integer is accepted; text, booleans, NaN and infinity are not)."""
Positive = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0)]
Count = Annotated[int, Strict(), Field(ge=0)]
Text = Annotated[str, Strict()]
Name = Annotated[str, Strict(), Field(min_length=1)]
_GRID = tuple(float(v) for v in PERCENTILE_POINTS)
CompositeBasis = Literal["norm_group", "norm_group_latent_correlation"]
"""What the composite's reference group rests on (``ModelDocument.composite_reference``): the
norm tables with the correlation of the norm group's estimates, or (older files) the norm
tables with the model's latent correlation in its place."""
NormBasis = Literal["form", "other_form", "design_not_recorded"]
"""Whether the norm tables a form's candidates are compared with come from estimates of that
same form (``"form"``), of the other form (``"other_form"``: the version has no table of this
form), or of a design the file does not record (``"design_not_recorded"``: files before
``norm_reference.form``). EAP estimates shrink towards the prior by an amount that depends on
the items answered, so only ``"form"`` gives the form's candidates their percentile in the
norm group (``ModelDocument.form_reference``)."""
FormNormMethod = Literal["respondents", "plausible_values", "simulation"]
"""How a form's norm tables were made (``FormNorms.method``): from the reference sample's
respondents who took the form; from answers to the form simulated under the model for
plausible values of every respondent of the sample (the sample had too few who took it); or
from simulated candidates of the model's latent population taking the form."""


def _code(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"must be an option id or an integer, got {_shown(value)}")
    return value


Code = Annotated[str | int, PlainValidator(_code)]
"""A category code: an option id of the bank (``"A"``) or an integer code."""


class _Section(BaseModel):
    """A frozen part of the document that rejects unknown keys and omits unset fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _keep_none: ClassVar[frozenset[str]] = frozenset()
    """Fields written as ``null`` when None (all others are left out when None)."""

    @model_serializer(mode="wrap")
    def _omit_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None or k in self._keep_none}


class Category(_Section):
    """One response category of an item in the divide-by-total (or cumulative) form.

    ``intercept`` is None only for the first category of a cumulative (``grm``) item;
    ``score`` is the category's merit (default: the integer code, or its position).
    """

    _keep_none: ClassVar[frozenset[str]] = frozenset({"intercept"})

    code: Code
    slope: Number
    intercept: Number | None
    score: Number | None = None


class JointOption(_Section):
    """One option of a joint most/least item (``item_model`` such as ``nrm_most_least``):
    its SME-derived scores and the utilities of picking it as most and as least effective."""

    code: Code
    most_score: Number
    least_score: Number
    most_slope: Number
    most_intercept: Number
    least_slope: Number
    least_intercept: Number


class ItemEntry(_Section):
    """The parameters of one item.

    ``item_model`` names the item's model when it differs from the file's ``model``; a joint
    most/least item carries ``options`` (one row per option, the full model) and, since the
    contract promises ``categories`` for every item, the most pick's categories (optional on
    reading; checked against the options by ``scoring.parameters``).
    ``standard_errors`` belong to the model's free parameters (null where not estimable).
    The free parameters themselves (``parameters`` in the file) are derived from the
    categories when the file is read and written back from them, so they can never disagree.
    """

    item_id: Name
    dimension: Name
    item_model: Name | None = None
    categories: tuple[Category, ...] | None = Field(default=None, min_length=2)
    options: tuple[JointOption, ...] | None = Field(default=None, min_length=3)
    standard_errors: tuple[Number | None, ...] | None = None

    @model_validator(mode="after")
    def _one_layout(self) -> ItemEntry:
        if self.categories is None and self.options is None:
            raise ValueError("must have categories or (for a joint most/least item_model) options")
        if self.options is not None and self.item_model is None:
            raise ValueError("options need an item_model naming the joint most/least model")
        return self

    @model_validator(mode="before")
    @classmethod
    def _derived_parameters(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "parameters" in data:
            data = {k: v for k, v in data.items() if k != "parameters"}
        if isinstance(data, Mapping) and "categories" not in data:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                # a joint item written before categories were added: its most pick's
                # categories (malformed options are reported by the options' own checks)
                data = {**data, "categories": most_pick_categories(data["options"])}
        return data


class NormSection(_Section):
    """The norm table of one dimension: the reference sample's θ distribution.

    ``quantiles`` are the sample's θ at the percentiles 0, 0.5, …, 100 (``percentiles``);
    ``synthetic`` says the reference sample was simulated rather than real candidates.
    """

    group: Text
    n: Annotated[int, Strict(), Field(ge=2)]
    mean: Number
    sd: Positive
    percentiles: tuple[Number, ...] = _GRID
    quantiles: tuple[Number, ...]
    synthetic: StrictBool | None = None
    group_names: dict[str, Text] | None = None
    """The reference sample's name in other languages (e.g. ``{"zh": "…"}``) for reports."""

    @field_validator("percentiles")
    @classmethod
    def _standard_grid(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != len(_GRID) or not np.allclose(value, _GRID, atol=1e-9):
            raise ValueError("must be the 201 percentiles 0, 0.5, …, 100")
        return value

    @field_validator("quantiles")
    @classmethod
    def _non_decreasing(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != len(_GRID):
            raise ValueError(f"must hold 201 values (one per percentile), got {len(value)}")
        if np.any(np.diff(value) < 0):
            raise ValueError("must not decrease")
        return value

    @model_validator(mode="after")
    def _moments_a_sample_can_have(self) -> NormSection:
        """Refuse a mean or SD that no sample with these quantiles has: the mean lies between
        the least and the greatest estimate (percentiles 0 and 100, range R) and the SD of n
        values with range R lies between R / √(2(n − 1)) and R / 2 · √(n / (n − 1)). A
        hand-edited mean of 1e308 or SD of 1e-308 otherwise turned every T-score into
        nothing or a 300-digit number."""
        low, high = self.quantiles[0], self.quantiles[-1]
        slack = 1e-9 * max(1.0, abs(low), abs(high))
        if not low - slack <= self.mean <= high + slack:
            raise ValueError(
                f"mean {self.mean:g} lies outside the quantiles' range {low:g} to {high:g}: "
                "no sample has a mean outside its range"
            )
        spread, n = high - low, self.n
        least, most = spread / math.sqrt(2 * (n - 1)), spread / 2 * math.sqrt(n / (n - 1))
        if not least * (1 - 1e-9) - slack <= self.sd <= most * (1 + 1e-9) + slack:
            raise ValueError(
                f"sd {self.sd:g} is impossible for {n} estimates with the quantiles' range "
                f"{spread:g} (it lies between {least:.4g} and {most:.4g})"
            )
        return self

    @classmethod
    def from_table(cls, table: NormTable, synthetic: bool | None = None) -> NormSection:
        """The section of a ``scoring.norms.NormTable``."""
        return cls(
            group=table.group,
            n=int(table.n),
            mean=float(table.mean),
            sd=float(table.sd),
            quantiles=tuple(float(v) for v in table.quantiles),
            synthetic=synthetic,
            group_names=dict(table.names) or None,
        )

    def table(self) -> NormTable:
        """The ``scoring.norms.NormTable`` (T-scores and percentile ranks)."""
        return NormTable(
            self.group,
            self.n,
            self.mean,
            self.sd,
            np.array(self.quantiles),
            dict(self.group_names or {}),
        )


class CorrelationFit(_Section):
    """How ``latent_correlation`` was estimated (standard errors, pairwise counts)."""

    method: Text
    standard_errors: tuple[tuple[Number | None, ...], ...] | None = None
    n_candidates: tuple[tuple[Count, ...], ...] | None = None
    adjusted_to_nearest_correlation_matrix: StrictBool | None = None


class DimensionFit(_Section):
    """How the EM went on one dimension (``CalibrationResult.reports``)."""

    dimension: Name
    converged: StrictBool
    n_iter: Count
    max_change: Number | None = None
    moving_item: Text | None = None


class CalibrationIssue(_Section):
    """A problem the calibration found (``CalibrationResult.problems``): non-convergence or a
    divergent estimate (``fatal``), a never-chosen category or a missing SE (warnings)."""

    kind: Text
    dimension: Name
    item_id: Text | None = None
    message: Text
    fatal: StrictBool


class FitSection(_Section):
    """Fit and reliability figures of the calibration (all optional)."""

    converged: StrictBool | None = None
    n_iter: Count | None = None
    iterations: dict[str, Count] | None = None
    loglik: Number | None = None
    aic: Number | None = None
    bic: Number | None = None
    n_params: Count | None = None
    n_candidates: Count | None = None
    marginal_reliability: dict[str, Number] | None = None
    se_method: Text | None = None
    latent_correlation: CorrelationFit | None = None
    dimensions: tuple[DimensionFit, ...] | None = None
    problems: tuple[CalibrationIssue, ...] | None = None


class Provenance(_Section):
    """Where the version comes from: synthetic or calibrated, from what data, when, by what."""

    kind: Literal["synthetic", "calibrated"] | None = None
    created_at: Text | None = None
    software: Text | None = None
    data: Text | None = None
    scale: Text | None = None
    note: Text | None = None

    @field_validator("created_at")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"must be an ISO date and time, got {_shown(value)}") from None
        return value


class Linking(_Section):
    """The scale linking applied at promotion: ``θ_linked_to = slope · θ + intercept``."""

    method: Text
    linked_to: Text
    slope: dict[str, Number]
    intercept: dict[str, Number]
    n_common_items: dict[str, Count]


class SimulationSection(_Section):
    """Figures of the test as delivered under this model, from a simulation of it
    (``sjt cat-sim --save-record``): the adaptive test's reliability per dimension (squared
    correlation of the estimate with the true θ), the composite's, RMSE / posterior SD and
    the mean length; ``fixed_reliability`` the fixed form's reliability per dimension on the
    same simulated candidates (files before it have none). ``provenance`` (free-form) names
    the generating model, policy, n, seed and ρ; ``synthetic`` says the simulated candidates
    answered a synthetic model."""

    reliability: dict[str, Number]
    fixed_reliability: dict[str, Number] | None = None
    composite_reliability: Number | None = None
    rmse_over_se: dict[str, Number] | None = None
    mean_items: Number | None = None
    provenance: dict[str, JsonValue] | None = None
    synthetic: StrictBool | None = None


class EstimateCorrelation(_Section):
    """The correlation of the reference sample's θ estimates between dimensions
    (``norm_reference.estimate_correlation``): rows and columns in the order of
    ``dimensions``. With the norm tables' means and SDs it places the composite on the same
    reference group as the competency scores (``ModelDocument.composite_reference``)."""

    dimensions: tuple[Name, ...] = Field(min_length=1)
    rows: tuple[tuple[Number, ...], ...]

    @model_validator(mode="after")
    def _a_correlation(self) -> EstimateCorrelation:
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"dimensions: a name appears twice in {list(self.dimensions)}")
        _check_correlation(self.rows, self.dimensions, "estimate_correlation")
        return self

    @classmethod
    def of_estimates(cls, theta: FloatArray, dimensions: tuple[str, ...]) -> EstimateCorrelation:
        """The correlation of a sample's estimates ``theta`` (n, D), rounded to 6 places.

        Raises ``AssessmentError`` when the sample does not determine it: too few respondents
        for the dimensions, or a dimension whose estimates do not vary.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        with np.errstate(all="ignore"):  # a constant column gives NaN: refused below
            rounded = np.round(np.atleast_2d(np.corrcoef(theta, rowvar=False)), 6)
        determined = (
            len(theta) > len(dimensions)
            and bool(np.all(np.isfinite(rounded)))
            and float(np.linalg.eigvalsh(rounded).min()) > 0.0
        )
        if not determined:
            raise AssessmentError(
                f"the θ estimates of {len(theta)} respondent(s) do not determine the correlation "
                f"of the {len(dimensions)} dimensions (a larger sample is needed, with estimates "
                "that vary on every dimension)"
            )
        return cls(
            dimensions=tuple(dimensions),
            rows=tuple(tuple(float(v) for v in row) for row in rounded),
        )

    def matrix(self, order: tuple[str, ...]) -> FloatArray | None:
        """The correlation in ``order``; None when a dimension of ``order`` is missing."""
        where = {d: n for n, d in enumerate(self.dimensions)}
        if any(d not in where for d in order):
            return None
        rows = np.array(self.rows, dtype=float)
        index = [where[d] for d in order]
        return np.asarray(rows[np.ix_(index, index)], dtype=np.float64)


class FormNorms(_Section):
    """Norm tables of one form's estimates (``form_norms``), for a form other than the one
    ``norms`` describes: the same reference group measured with that form's design.

    ``method`` says how they were made (:data:`FormNormMethod`); ``estimate_correlation``
    is the correlation of that form's estimates, the composite's reference with ``norms``.
    """

    norms: dict[str, NormSection]
    method: FormNormMethod
    estimate_correlation: EstimateCorrelation | None = None
    note: Text | None = None


@dataclass(frozen=True)
class FormReference:
    """What one form's candidates are compared with (``ModelDocument.form_reference``)."""

    form: str
    tables: dict[str, NormTable]
    correlation: FloatArray
    """Correlation of the norm group's estimates in the order asked for."""
    composite_basis: CompositeBasis
    norm_basis: NormBasis
    method: FormNormMethod | None = None
    """How a table of the form's own was made (None for ``norms``)."""


class NormReference(_Section):
    """The reference sample the norm tables describe (``norm_reference``).

    ``defined_in`` is the version whose promotion or re-norming defined it; a version linked
    to an earlier one keeps that version's reference and names it in ``carried_from``;
    ``own_norms`` lists dimensions the earlier version had no norms for (their tables come
    from the promoted file, moved onto the linked scale). ``reason`` is a re-norming's.
    """

    sample: Text
    n: Count
    date: Text
    defined_in: Text | None = None
    carried_from: Text | None = None
    own_norms: tuple[Name, ...] | None = None
    reason: Text | None = None
    estimate_correlation: EstimateCorrelation | None = None
    """Correlation of the sample's estimates (files before it use ``latent_correlation``)."""
    form: Form | None = None
    """The form whose estimates ``norms`` describe (None: not recorded, files before it);
    tables of the other form are in ``form_norms``."""


_SECTIONS = ("fit", "norms", "simulation", "linking", "form_norms")
_EXTRA = "\x00extra"
"""Key under which ``with_changes`` passes the unknown-key bag (a file's own top-level key
``"extra"`` is an unknown key like any other)."""


class ModelDocument(_Section):
    """A model version: item parameters with everything stated about them.

    Attributes
    ----------
    model : str
        Registered item model of the file (``nrm``, ``gpcm``, ``2pl``, ``grm``).
    form : {"cumulative"} or None
        ``"cumulative"`` for models in the cumulative form (``grm``); filled in when missing.
    dimensions : tuple of str
        Competencies in order (the order of ``latent_correlation``'s rows).
    latent_correlation : tuple of tuple of float, optional
        Correlation matrix of the dimensions: square, symmetric, unit diagonal, positive
        definite.
    items : tuple of ItemEntry
    fit : FitSection, optional
    estimation : dict, optional
        Estimation settings (free-form JSON values, written sorted).
    norms : dict of NormSection, optional
        Per dimension.
    simulation : SimulationSection, optional
        Reliability of the delivered test (adaptive, and the fixed form) from a simulation.
    provenance : Provenance, optional
    linking : Linking, optional
    carried_over : tuple of str, optional
        Items that kept the previous version's parameters (written sorted).
    norm_reference : NormReference, optional
        The named reference sample of the norm tables (files before it derive one from the
        norm tables, see ``assessment.psychometrics.versions.reference_of``).
    form_norms : dict of FormNorms, optional
        By form: norm tables of that form's estimates, for the forms ``norms`` does not
        describe (``norm_reference.form``); see ``form_reference``.
    item_answers : dict of int, optional
        Answers per item in the calibration sample (written by ``sjt calibrate``; the
        promotion guard checks answers per parameter with it).
    renormed_from : str, optional
        The version whose parameters a re-normed version keeps.
    version : str, optional
        The version label, written by ``sjt model export``.
    extra : dict
        Unknown top-level keys, kept and written back (see the module notes).

    Derived on validation (once): ``parameters`` (``ModelParameters``), ``norm_tables``.
    """

    model: Name
    form: Literal["cumulative"] | None = None
    dimensions: tuple[Name, ...] = Field(min_length=1)
    latent_correlation: tuple[tuple[Number, ...], ...] | None = None
    items: tuple[ItemEntry, ...] = Field(min_length=1)
    fit: FitSection | None = None
    estimation: dict[str, JsonValue] | None = None
    norms: dict[str, NormSection] | None = None
    simulation: SimulationSection | None = None
    provenance: Provenance | None = None
    linking: Linking | None = None
    carried_over: tuple[Name, ...] | None = None
    norm_reference: NormReference | None = None
    item_answers: dict[str, Count] | None = None
    renormed_from: Text | None = None
    version: Text | None = None
    form_norms: dict[Form, FormNorms] | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    _parameters: ModelParameters = PrivateAttr()
    _norm_tables: dict[str, NormTable] = PrivateAttr()

    # ---------------------------------------------------------------- validation
    @field_validator("model")
    @classmethod
    def _registered(cls, value: str) -> str:
        try:
            get_model(value)
        except ScoringError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("carried_over")
    @classmethod
    def _sorted_ids(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(sorted(value))

    @model_validator(mode="before")
    @classmethod
    def _split_unknown_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        known = set(cls.model_fields) - {"extra"}
        out = {k: v for k, v in data.items() if k in known}
        extra = dict(data.get(_EXTRA) or {})
        for key, value in data.items():
            if key in known or key == _EXTRA:
                continue
            close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.8)
            if close:
                raise ValueError(f"unknown field {key!r}: did you mean {close[0]!r}?")
            extra[key] = value
        out["extra"] = extra
        if "form" not in out and isinstance(out.get("model"), str):
            try:
                if get_model(out["model"]).form == "cumulative":
                    out["form"] = "cumulative"
            except ScoringError:
                pass  # reported by the model check
        return out

    @model_validator(mode="after")
    def _consistent(self) -> ModelDocument:
        file_model = get_model(self.model)
        expected_form = "cumulative" if file_model.form == "cumulative" else None
        if self.form != expected_form:
            raise ValueError(f"form: {self.model} is not in the {self.form!r} form")
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"dimensions: a name appears twice in {list(self.dimensions)}")
        self._check_keys()
        if self.latent_correlation is not None:
            _check_correlation(self.latent_correlation, self.dimensions)
        try:
            parameters = ModelParameters.from_dict(self._core(), source="")
        except ScoringError as error:
            raise ValueError(str(error).removeprefix(": ")) from None
        for item, fitted in zip(self.items, parameters.items, strict=True):
            if item.standard_errors is not None and len(item.standard_errors) != len(fitted.params):
                raise ValueError(
                    f"item {item.item_id}.standard_errors: {len(item.standard_errors)} values "
                    f"for {len(fitted.params)} parameters"
                )
        self._parameters = parameters
        self._norm_tables = {d: section.table() for d, section in (self.norms or {}).items()}
        return self

    def _check_keys(self) -> None:
        """Maps keyed by dimension name only dimensions; carried-over ids name items."""
        dimensions = set(self.dimensions)
        keyed: dict[str, Mapping[str, Any] | None] = {
            "norms": self.norms,
            "fit.marginal_reliability": self.fit.marginal_reliability if self.fit else None,
            "fit.iterations": self.fit.iterations if self.fit else None,
            "simulation.reliability": self.simulation.reliability if self.simulation else None,
            "simulation.fixed_reliability": (
                self.simulation.fixed_reliability if self.simulation else None
            ),
            "simulation.rmse_over_se": self.simulation.rmse_over_se if self.simulation else None,
            "linking.slope": self.linking.slope if self.linking else None,
            "linking.intercept": self.linking.intercept if self.linking else None,
            "linking.n_common_items": self.linking.n_common_items if self.linking else None,
        }
        for where, mapping in keyed.items():
            unknown = sorted(set(mapping or {}) - dimensions)
            if unknown:
                raise ValueError(f"{where}: {unknown} not in dimensions {list(self.dimensions)}")
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"items: item id(s) {twice[:5]} appear more than once")
        for item in self.items:
            if item.dimension not in dimensions:
                raise ValueError(
                    f"item {item.item_id}.dimension: {item.dimension!r} is not in "
                    f"{list(self.dimensions)}"
                )
        if self.carried_over is not None:
            unknown = sorted(set(self.carried_over) - set(ids))
            if unknown:
                raise ValueError(f"carried_over: {unknown[:5]} are not items of the model")
        unknown = sorted(set(self.item_answers or {}) - set(ids))
        if unknown:
            raise ValueError(f"item_answers: {unknown[:5]} are not items of the model")
        own = self.norm_reference.own_norms if self.norm_reference else None
        unknown = sorted(set(own or ()) - dimensions)
        if unknown:
            raise ValueError(f"norm_reference.own_norms: {unknown} not in dimensions")
        correlated = self.norm_reference.estimate_correlation if self.norm_reference else None
        unknown = sorted(set(correlated.dimensions if correlated else ()) - dimensions)
        if unknown:
            raise ValueError(
                f"norm_reference.estimate_correlation.dimensions: {unknown} not in dimensions"
            )
        for form, section in (self.form_norms or {}).items():
            named = set(section.norms) | set(
                section.estimate_correlation.dimensions if section.estimate_correlation else ()
            )
            unknown = sorted(named - dimensions)
            if unknown:
                raise ValueError(f"form_norms.{form}: {unknown} not in dimensions")
        clash = sorted(set(self.extra) & set(type(self).model_fields))
        if clash:
            raise ValueError(f"extra: {clash} are fields of the document, not extra keys")

    def _core(self) -> dict[str, Any]:
        """The ``interfaces.md`` part handed to the scoring reader."""
        core: dict[str, Any] = {
            "model": self.model,
            "dimensions": list(self.dimensions),
            "items": [item.model_dump(mode="json") for item in self.items],
        }
        if self.latent_correlation is not None:
            core["latent_correlation"] = [list(row) for row in self.latent_correlation]
        return core

    def __eq__(self, other: object) -> bool:
        """Equal when every field is equal (derived values are not compared)."""
        if not isinstance(other, ModelDocument):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    # ---------------------------------------------------------------- derived
    @property
    def parameters(self) -> ModelParameters:
        """The item parameters for scoring (built once, on validation)."""
        return self._parameters

    @property
    def norm_tables(self) -> dict[str, NormTable]:
        """Norm tables per dimension (empty without norms)."""
        return dict(self._norm_tables)

    @property
    def reliability(self) -> dict[str, float]:
        """Marginal reliability per dimension (empty when the file states none)."""
        return dict((self.fit.marginal_reliability or {}) if self.fit else {})

    @property
    def synthetic(self) -> bool:
        """Whether the version is synthetic (not calibrated on real candidates)."""
        return self.provenance is not None and self.provenance.kind == "synthetic"

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)

    def correlation_matrix(self) -> FloatArray:
        """``latent_correlation`` as a (D, D) array; the identity when the file states none."""
        if self.latent_correlation is None:
            return np.eye(len(self.dimensions))
        return np.array(self.latent_correlation, dtype=float)

    def norm_group_correlation(self, order: tuple[str, ...]) -> tuple[FloatArray, CompositeBasis]:
        """The correlation between the norm group's estimates on dimensions ``order``, with
        which the composite is referenced to the norm group of the competency scores (with the
        norm tables' means and SDs, ``scoring.composite.CompositeReference.of_norm_group``).

        It is ``norm_reference.estimate_correlation`` (basis ``"norm_group"``). Files without
        it (written before it was kept, or whose stored correlation lacks a dimension of
        ``order``) use ``latent_correlation`` in its place (basis
        ``"norm_group_latent_correlation"``): the EAP estimates of a norm group correlate
        about as the latent traits do. A dimension the model does not correlate counts as
        uncorrelated.
        """
        stored = self.norm_reference.estimate_correlation if self.norm_reference else None
        return self._correlation_of(stored, order)

    def _correlation_of(
        self, stored: EstimateCorrelation | None, order: tuple[str, ...]
    ) -> tuple[FloatArray, CompositeBasis]:
        """``stored`` in ``order``, or the latent correlation in its place (see above)."""
        matrix = stored.matrix(order) if stored is not None else None
        if matrix is not None:
            return matrix, "norm_group"
        latent = self.correlation_matrix()
        where = {d: n for n, d in enumerate(self.dimensions)}
        rows = [
            [latent[where[a], where[b]] if a in where and b in where else float(a == b)
             for b in order]
            for a in order
        ]  # fmt: skip
        return np.array(rows, dtype=np.float64), "norm_group_latent_correlation"

    def form_reference(self, form: str, order: tuple[str, ...]) -> FormReference:
        """The norm tables and estimate correlation ``form``'s candidates are compared with.

        A form with tables of its own (``form_norms[form]``, or ``norms`` when
        ``norm_reference.form`` is ``form``) is compared with the norm group measured by that
        form: the percentile of an estimate is its rank among the group's estimates from the
        same design, so the group's own members would get uniform percentiles whichever form
        they took. Otherwise ``norms`` stand in, and ``norm_basis`` says they come from the
        other form or from an unrecorded design (older files), for the report to state.
        """
        own = (self.form_norms or {}).get(form)  # type: ignore[call-overload]
        if own is not None:
            correlation, basis = self._correlation_of(own.estimate_correlation, order)
            tables = {d: section.table() for d, section in own.norms.items()}
            return FormReference(form, tables, correlation, basis, "form", own.method)
        correlation, basis = self.norm_group_correlation(order)
        described = self.norm_reference.form if self.norm_reference else None
        norm_basis: NormBasis = (
            "design_not_recorded"
            if described is None
            else ("form" if described == form else "other_form")
        )
        return FormReference(form, self.norm_tables, correlation, basis, norm_basis)

    # ---------------------------------------------------------------- building
    @classmethod
    def from_dict(cls, data: Any, *, source: str = "model file") -> ModelDocument:
        """Validate parsed JSON; raises ``DataFileError`` naming the item and field."""
        problems = _walk(data)
        if problems:
            raise DataFileError(source, problems)
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise DataFileError(source, _problems(error, data)) from None
        except RecursionError:
            raise DataFileError(source, ["nested too deeply"]) from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "model file") -> ModelDocument:
        """Parse and validate a model file.

        Raises
        ------
        DataFileError
            Invalid JSON (with line and column), NaN or infinite numbers, repeated keys,
            nesting deeper than ``MAX_DEPTH``, wrong types, missing or unknown fields,
            inconsistent parameters, a bad correlation matrix; each problem names the item
            id and field.
        """
        return cls.from_dict(_parse(text, source), source=source)

    @classmethod
    def from_parameters(
        cls, parameters: ModelParameters, *, source: str = "model", **sections: Any
    ) -> ModelDocument:
        """A document of ``parameters`` (standard errors included) plus the given sections.

        Sections are typed values (``NormSection``, ``FitSection``, ``Provenance``, …) or their
        JSON form: ``from_parameters(p, norms={"empathy": NormSection.from_table(t)})``.
        """
        return cls.from_dict({**parameters.to_dict(), **_plain(sections)}, source=source)

    def with_parameters(self, parameters: ModelParameters) -> ModelDocument:
        """The same document with the items (and their SEs) of ``parameters``."""
        return self.with_changes(items=parameters.to_dict()["items"])

    def with_changes(self, **changes: Any) -> ModelDocument:
        """A validated copy with some fields replaced (typed values or their JSON form)."""
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            raise TypeError(f"ModelDocument has no field(s) {unknown}")
        data = {k: v for k, v in self.to_dict().items() if k not in self.extra}
        data[_EXTRA] = dict(self.extra)
        data.update(_plain(changes))
        if "extra" in changes:
            data[_EXTRA] = data.pop("extra")
        return type(self).from_dict(data, source="model")

    # ---------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, Any]:
        """The JSON form: fields in a fixed order, maps keyed by dimension in dimension
        order, free-form sections and ``carried_over`` sorted, unknown keys last (sorted)."""
        out: dict[str, Any] = self.model_dump(mode="json")
        extra = out.pop("extra", {})
        items = []
        for entry, fitted in zip(out["items"], self._parameters.items, strict=True):
            ordered = {k: v for k, v in entry.items() if k != "standard_errors"}
            ordered["parameters"] = [float(v) for v in fitted.params]
            if "standard_errors" in entry:
                ordered["standard_errors"] = entry["standard_errors"]
            items.append(ordered)
        out["items"] = items
        order = {d: n for n, d in enumerate(self.dimensions)}
        for key in _SECTIONS:
            if key in out:
                out[key] = _by_dimension(out[key], order)
        if "estimation" in out:
            out["estimation"] = _sorted(out["estimation"])
        if "provenance" in out.get("simulation", {}):
            out["simulation"]["provenance"] = _sorted(out["simulation"]["provenance"])
        out = {key: out[key] for key in type(self).model_fields if key in out}
        out.update(_sorted(extra))
        return out

    def to_json(self) -> str:
        """Canonical text: two-space indent, UTF-8 characters, Python's shortest round-trip
        float repr, a final newline. Equal documents give identical text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# -------------------------------------------------------------------------- helpers
def _check_correlation(
    rows: tuple[tuple[float, ...], ...],
    dimensions: tuple[str, ...],
    where: str = "latent_correlation",
) -> None:
    size = len(dimensions)
    if len(rows) != size or any(len(row) != size for row in rows):
        shape = f"{len(rows)} rows of lengths {sorted({len(row) for row in rows})}"
        raise ValueError(
            f"{where}: must be {size} x {size} (one row and column per dimension, in the order "
            f"of dimensions), got {shape}"
        )
    matrix = np.array(rows, dtype=float)
    diagonal = np.abs(np.diag(matrix) - 1.0)
    if np.any(diagonal > CORRELATION_TOLERANCE):
        d = int(np.argmax(diagonal))
        raise ValueError(f"{where}[{d}][{d}] ({dimensions[d]}): must be 1, got {matrix[d, d]}")
    asymmetry = np.abs(matrix - matrix.T)
    if np.any(asymmetry > CORRELATION_TOLERANCE):
        i, j = (int(v) for v in np.unravel_index(np.argmax(asymmetry), asymmetry.shape))
        raise ValueError(
            f"{where}: not symmetric: [{i}][{j}] = {matrix[i, j]} but [{j}][{i}] = {matrix[j, i]}"
        )
    if np.any(np.abs(matrix) > 1.0):
        i, j = (int(v) for v in np.unravel_index(np.argmax(np.abs(matrix)), matrix.shape))
        raise ValueError(f"{where}[{i}][{j}]: a correlation must lie in [-1, 1]")
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest <= CORRELATION_TOLERANCE:
        raise ValueError(
            f"{where}: not positive definite (smallest eigenvalue {smallest:.3g}); the "
            "correlations cannot all hold at once"
        )


class _RepeatedKeyError(ValueError):
    pass


def _parse(text: str | bytes, source: str) -> Any:
    """``json.loads`` that reports NaN/Infinity, repeated keys and deep nesting by name."""

    def constant(name: str) -> Any:
        return float(name)  # NaN, Infinity, -Infinity: reported with their place by _walk

    def pairs(entries: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in entries:
            if key in out:
                raise _RepeatedKeyError(key)
            out[key] = value
        return out

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DataFileError(source, [f"not valid UTF-8 (byte {error.start})"]) from None
    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        problem = f"line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"
    except _RepeatedKeyError as error:
        problem = f"the key {str(error)!r} appears twice in one object"
    except RecursionError:
        problem = f"nested too deeply (a model file has at most {MAX_DEPTH} levels)"
    raise DataFileError(source, [problem])


def _walk(value: Any, path: tuple[Any, ...] = (), root: Any = None) -> list[str]:
    """Non-finite or out-of-range numbers and too deep nesting, located (iteratively)."""
    root = value if root is None else root
    problems: list[str] = []
    stack = [(value, path)]
    while stack and len(problems) < 20:
        node, where = stack.pop()
        if len(where) > MAX_DEPTH:
            problems.append(f"{_where(where[:MAX_DEPTH], root)}: nested deeper than {MAX_DEPTH}")
            continue
        if isinstance(node, dict):
            stack.extend((child, (*where, key)) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, (*where, n)) for n, child in reversed(list(enumerate(node))))
        elif isinstance(node, float) and not math.isfinite(node):
            problems.append(f"{_where(where, root)}: must be a finite number, got {node}")
        elif (
            isinstance(node, int) and not isinstance(node, bool) and abs(node) > sys.float_info.max
        ):
            problems.append(f"{_where(where, root)}: is too large for a number")
    return problems


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``item EM-1.categories[0].slope`` for ``("items", 3, "categories", 0, "slope")``."""
    text = ""
    start = 0
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        item_id = None
        with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
            item_id = data["items"][loc[1]].get("item_id")
        text = f"item {item_id}" if isinstance(item_id, str) and item_id else f"items[{loc[1]}]"
        start = 2
    for part in loc[start:]:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "tuple_type": "must be a list",
    "float_type": "must be a number",
    "int_type": "must be an integer",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "finite_number": "must be a finite number",
}


def _problems(error: ValidationError, data: Any) -> list[str]:
    problems = []
    entries = error.errors(include_url=False)
    deeper = {tuple(entry["loc"])[:n] for entry in entries for n in range(len(entry["loc"]))}
    for entry in entries:
        loc = tuple(entry["loc"])
        kind = entry["type"]
        if kind == "too_short" and loc in deeper:
            continue  # pydantic's echo of problems inside the list, reported on their own
        if kind == "too_short":
            message = f"must hold at least {entry.get('ctx', {}).get('min_length')} entries"
        elif kind == "value_error":
            message = str(entry.get("ctx", {}).get("error", entry["msg"]))
        else:
            message = MESSAGES.get(kind, entry["msg"].lower())
            if kind == "extra_forbidden":
                message += f" {loc[-1]!r} (misspelt?)"
                loc = loc[:-1]
            elif kind != "missing":
                message += f", got {_shown(entry['input'])}"
        where = _where(loc, data)
        located = where == "top level" and ": " in message
        problems.append(message if located else f"{where}: {message}")
    return list(dict.fromkeys(problems))


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _plain(value: Any) -> Any:
    """Typed sections to their JSON form (dicts, lists), leaving plain values alone."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _by_dimension(value: Any, order: Mapping[str, int]) -> Any:
    """Maps keyed by dimension names in dimension order (recursively)."""
    if isinstance(value, dict):
        keys = list(value)
        if keys and all(key in order for key in keys):
            keys.sort(key=order.__getitem__)
        return {key: _by_dimension(value[key], order) for key in keys}
    return value


def _sorted(value: Any) -> Any:
    """Free-form JSON with object keys sorted (recursively)."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


__all__ = [
    "CORRELATION_TOLERANCE",
    "MAX_DEPTH",
    "CalibrationIssue",
    "Category",
    "CompositeBasis",
    "CorrelationFit",
    "DimensionFit",
    "EstimateCorrelation",
    "FitSection",
    "FormNormMethod",
    "FormNorms",
    "FormReference",
    "ItemEntry",
    "Linking",
    "ModelDocument",
    "NormBasis",
    "NormReference",
    "NormSection",
    "Provenance",
    "SimulationSection",
]
