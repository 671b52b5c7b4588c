"""How bank items become scored items (columns) for the psychometric engine.

* A ``best`` item is one scored item with the item's id; its categories are the options
  A–D and their scores the SME credits.
* A ``most_least`` item is scored as two responses to the same scenario: ``<id>.most`` (which
  option was picked as most effective; scores = credits) and ``<id>.least`` (which option was
  picked as least effective; scores = highest credit − credit, because naming the weakest
  option as least effective is the best answer). Data files keep these two columns.
* For calibration and scoring the two parts are joined into one response ``<id>`` with the
  ordered pairs (most, least) as categories (:func:`join_most_least`), modelled by a joint
  most/least model that knows the least pick cannot be the most pick
  (:mod:`scoring.most_least`). The older treatment of the parts as two conditionally
  independent items stays available (``sjt calibrate --independent-most-least``) and old model
  files with ``.most``/``.least`` items keep working.

With the nominal model the engine estimates option weights freely and the scores only orient
the scale; with the GPCM the scores are the fixed scoring function.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

from items.formats import LEAST_SUFFIX, MOST_SUFFIX
from items.models import COMPETENCIES, BestItem, MostLeastItem
from scoring.data import ItemSpec, ResponseMatrix
from scoring.models import get_model
from scoring.most_least import (
    JOINT_BASES,
    is_joint,
    join_parts,
    joint_item_spec,
    joint_model_name,
    options_of,
    part_specs,
    split_pairs,
)
from scoring.parameters import ItemParameters, ModelParameters


def item_specs(items: Iterable[BestItem | MostLeastItem]) -> tuple[ItemSpec, ...]:
    """Scored items of bank items, in bank order (a most_least item gives two)."""
    specs: list[ItemSpec] = []
    for item in items:
        credits = tuple(float(option.credit) for option in item.options)
        parts = zip(item.scored_ids(), item.format_rules.part_scores(credits), strict=True)
        specs += [
            ItemSpec(scored_id, item.competency, item.option_ids, s) for scored_id, s in parts
        ]
    return tuple(specs)


def bank_item_id(scored_item_id: str) -> str:
    """The bank item a scored item belongs to (``EM-003.least`` → ``EM-003``)."""
    for suffix in (MOST_SUFFIX, LEAST_SUFFIX):
        if scored_item_id.endswith(suffix):
            return scored_item_id[: -len(suffix)]
    return scored_item_id


def most_least_parts(item_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Bank item id → (``<id>.most``, ``<id>.least``) for items with both parts in
    ``item_ids``, in the order of the ``.most`` parts."""
    present = list(item_ids)
    known = set(present)
    return {
        item_id[: -len(MOST_SUFFIX)]: (item_id, item_id[: -len(MOST_SUFFIX)] + LEAST_SUFFIX)
        for item_id in present
        if item_id.endswith(MOST_SUFFIX) and item_id[: -len(MOST_SUFFIX)] + LEAST_SUFFIX in known
    }


def join_most_least(
    data: ResponseMatrix,
    candidate_ids: Sequence[str] | None = None,
    only: Collection[str] | None = None,
) -> ResponseMatrix:
    """Join the ``.most`` and ``.least`` columns of most_least items into one response each.

    Every item with both parts in ``data`` is joined, or only the bank item ids in ``only``.
    The joint column ``<id>`` has the pair categories of :func:`scoring.most_least.pair_codes`.
    Raises ``ScoringError`` naming the item, the row and the candidate where one part is
    missing or both parts name the same option.
    """
    parts = most_least_parts(data.item_ids)
    if only is not None:
        parts = {item_id: pair for item_id, pair in parts.items() if item_id in only}
    return join_parts(data, parts, candidate_ids)


def joined_for_calibration(
    data: ResponseMatrix, model: str, candidate_ids: Sequence[str] | None = None
) -> tuple[ResponseMatrix, dict[str, str]]:
    """The responses and the item models with which ``sjt calibrate`` calibrates bank data.

    With a base model that has a joint most/least variant (``scoring.most_least.JOINT_BASES``)
    the two parts of every most_least item in ``data`` are joined (:func:`join_most_least`)
    and modelled by that joint model; the returned mapping (item id → registry key) is the
    ``item_models`` setting of ``scoring.MMLCalibrator``. With any other model the data and
    an empty mapping come back unchanged. Raises ``ScoringError`` as ``join_most_least`` does.
    """
    parts = most_least_parts(data.item_ids)
    if not parts or model not in JOINT_BASES:
        return data, {}
    return join_most_least(data, candidate_ids), dict.fromkeys(parts, joint_model_name(model))


def joint_item_ids(model: ModelParameters) -> frozenset[str]:
    """Ids of the items ``model`` scores with a joint most/least model."""
    return frozenset(
        item.item_id
        for column, item in enumerate(model.items)
        if is_joint(model.item_model_for(column))
    )


def as_joint_model(model: ModelParameters) -> ModelParameters:
    """The same model with each two-part most_least item as one joint item.

    The parts' parameters carry over unchanged: a ``<base>_most_least`` item's parameters are
    its most part's followed by its least part's (:mod:`scoring.most_least`), so the most pick
    keeps its probabilities and the least pick is chosen among the other options in proportion
    to its part's probabilities — the two-part model with the impossible answers (the same
    option picked twice) taken out. Only items of an ``nrm`` or ``gpcm`` file model are joined.
    """
    if model.model not in ("nrm", "gpcm"):
        return model
    parts = most_least_parts(model.item_ids)
    by_id = {item.item_id: item for item in model.items}
    least_ids = {least for _, least in parts.values()}
    items: list[ItemParameters] = []
    for item in model.items:
        if item.item_id in least_ids:
            continue
        joint_id = bank_item_id(item.item_id)
        if item.item_id.endswith(MOST_SUFFIX) and joint_id in parts:
            least = by_id[parts[joint_id][1]]
            if item.item_model is not None or least.item_model is not None:
                items.append(item)
                items.append(least)
                continue
            se = item.se + least.se if item.se is not None and least.se is not None else None
            items.append(
                ItemParameters(
                    joint_item_spec(joint_id, item.spec, least.spec),
                    item.params + least.params,
                    se,
                    joint_model_name(model.model),
                )
            )
        else:
            items.append(item)
    return dataclasses.replace(model, items=tuple(items), _groups={})


def bank_code_problems(
    specs: Iterable[ItemSpec], options: Mapping[str, Sequence[str]]
) -> list[str]:
    """Model items whose category codes do not fit the bank's options, one message each.

    ``specs`` are a model's columns (``reading_specs``), ``options`` the bank's option ids
    per item. A bank item's categories are coded either by the item's option ids or by
    integers (the k-th option is code k); codes such as ``W, X, Y, Z`` or ``A, 1, C, D``
    would make every answer in a data file look wrong, so the model file is at fault.
    """
    problems = []
    for spec in specs:
        expected = options.get(bank_item_id(spec.item_id))
        if expected is None or all(isinstance(code, int) for code in spec.codes):
            continue
        bad = [
            str(code) for code in spec.codes if not isinstance(code, str) or code not in expected
        ]
        repeated = len(set(map(str, spec.codes))) < len(spec.codes)
        if not bad and not repeated:
            continue
        fault = (
            f"{', '.join(bad)} {'is not an option id' if len(bad) == 1 else 'are not option ids'}"
            if bad
            else "a code appears twice"
        )
        problems.append(
            f"item {spec.item_id}: category codes {', '.join(map(str, spec.codes))} ({fault}); "
            f"the bank's item {bank_item_id(spec.item_id)} has options {', '.join(expected)}: "
            f"code its categories by those option ids, or by the integers "
            f"0..{len(expected) - 1} in option order"
        )
    return problems


def reading_specs(model: ModelParameters) -> tuple[ItemSpec, ...]:
    """The columns a data file has for ``model``: its items, with each joint most/least item
    replaced by its two parts (``<id>.most``, ``<id>.least``)."""
    specs: list[ItemSpec] = []
    for column, item in enumerate(model.items):
        if is_joint(model.item_model_for(column)):
            specs += part_specs(item.spec, item.item_id + MOST_SUFFIX, item.item_id + LEAST_SUFFIX)
        else:
            specs.append(item.spec)
    return tuple(specs)


def split_most_least(data: ResponseMatrix, model: ModelParameters) -> ResponseMatrix:
    """The data-file form of responses to ``model``: each joint column as its two parts."""
    columns = []
    for column, item in enumerate(model.items):
        cells = data.responses[:, column]
        if is_joint(model.item_model_for(column)):
            columns += list(split_pairs(cells, options_of(item.spec.n_categories)))
        else:
            columns.append(cells)
    return ResponseMatrix(np.stack(columns, axis=1), reading_specs(model), data.dimensions)


SYNTHETIC_CORRELATION = 0.5
"""Latent correlation of every pair of competencies in the synthetic model (stated, not
estimated: typical of SJT competency scales, which correlate about .3–.6)."""


SYNTHETIC_SLOPES = (0.4, 0.8)
"""Range of the synthetic GPCM slopes per unit of credit (uniform, mean 0.6)."""
SYNTHETIC_POPULARITY = 0.2
"""Rise of the synthetic option intercepts per unit of credit: the average candidate
(θ = 0) prefers the more effective options, as in SJT data, rather than picking at random."""


def synthetic_model(
    items: Iterable[BestItem | MostLeastItem],
    model: str = "gpcm",
    joint: bool = True,
    correlation: float | None = SYNTHETIC_CORRELATION,
) -> ModelParameters:
    """A clearly synthetic generating model built from SME credits, for demos and studies.

    GPCM with the credits as scoring function; slopes drawn from U(0.4, 0.8) per unit of
    credit (mean 0.6, the top of the .4–.6 range of GPCM step slopes of SJT options) and
    intercepts of 0.2 per unit of credit plus N(0, 0.6²) noise (the average candidate prefers
    the more effective options, so picking at random looks like a θ below average), each
    seeded by the item id so the model is the same on every machine.
    With ``joint`` (the default) each most_least item is one joint most/least item
    (``gpcm_most_least``, :func:`as_joint_model`): the most part's parameters for the most
    pick and the least part's for the least pick among the other options. ``correlation``
    is the stated latent correlation of every pair of competencies (None: independent).
    It stands in for a calibrated model before any real data exist and is labelled synthetic
    wherever it is used; it is never a basis for decisions.
    """
    specs = item_specs(items)
    parameters = []
    for spec in specs:
        rng = np.random.default_rng(zlib.crc32(spec.item_id.encode("utf-8")))
        slope = rng.uniform(*SYNTHETIC_SLOPES)
        trend = SYNTHETIC_POPULARITY * (np.asarray(spec.scores[1:]) - spec.scores[0])
        intercepts = trend + rng.normal(0.0, 0.6, spec.n_categories - 1)
        parameters.append(ItemParameters(spec, (float(slope), *map(float, intercepts))))
    dimensions = tuple(d for d in COMPETENCIES if any(s.dimension == d for s in specs))
    matrix = None
    if correlation is not None:
        values = np.full((len(dimensions), len(dimensions)), float(correlation))
        np.fill_diagonal(values, 1.0)
        matrix = tuple(tuple(float(v) for v in row) for row in values)
    out = ModelParameters(get_model(model).name, dimensions, tuple(parameters), matrix)
    return as_joint_model(out) if joint else out


def scored_responses(
    item: BestItem | MostLeastItem, most: str, least: str | None
) -> dict[str, str]:
    """Scored item id → option id picked, for one answered bank item.

    Raises ``ValueError`` naming the item and the picks when the answer breaks the rules of
    the item's format (``items.formats``).
    """
    if problem := item.answer_problem(most, least):
        raise ValueError(problem)
    return item.format_rules.scored_responses(item.id, most, least)
