"""How bank items become scored items (columns) for the psychometric engine.

* A ``best`` item is one scored item with the item's id; its categories are the options
  A–D and their scores the SME credits.
* A ``most_least`` item is scored as two responses to the same scenario: ``<id>.most`` (which
  option was picked as most effective; scores = credits) and ``<id>.least`` (which option was
  picked as least effective; scores = highest credit − credit, because naming the weakest
  option as least effective is the best answer). The two picks are modelled as conditionally
  independent given theta; the small local dependence this ignores (the same option cannot be
  both) is documented in the technical notes and checked by item fit statistics.

With the nominal model the engine estimates option weights freely and the scores only orient
the scale; with the GPCM the scores are the fixed scoring function.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

from items.models import COMPETENCIES, OPTION_IDS, BestItem, MostLeastItem
from scoring.data import ItemSpec
from scoring.models import get_model
from scoring.parameters import ItemParameters, ModelParameters

MOST_SUFFIX = ".most"
LEAST_SUFFIX = ".least"


def item_specs(items: Iterable[BestItem | MostLeastItem]) -> tuple[ItemSpec, ...]:
    """Scored items of bank items, in bank order (a most_least item gives two)."""
    specs: list[ItemSpec] = []
    for item in items:
        credits = tuple(float(option.credit) for option in item.options)
        codes: tuple[str, ...] = tuple(option.id for option in item.options)
        if item.format == "best":
            specs.append(ItemSpec(item.id, item.competency, codes, credits))
        else:
            top = max(credits)
            specs.append(ItemSpec(item.id + MOST_SUFFIX, item.competency, codes, credits))
            specs.append(
                ItemSpec(
                    item.id + LEAST_SUFFIX,
                    item.competency,
                    codes,
                    tuple(top - credit for credit in credits),
                )
            )
    return tuple(specs)


def bank_item_id(scored_item_id: str) -> str:
    """The bank item a scored item belongs to (``EM-003.least`` → ``EM-003``)."""
    for suffix in (MOST_SUFFIX, LEAST_SUFFIX):
        if scored_item_id.endswith(suffix):
            return scored_item_id[: -len(suffix)]
    return scored_item_id


def option_index(option_id: str) -> int:
    """Position of an option id among A–D."""
    return OPTION_IDS.index(option_id)


def synthetic_model(
    items: Iterable[BestItem | MostLeastItem], model: str = "gpcm"
) -> ModelParameters:
    """A clearly synthetic generating model built from SME credits, for demos and studies.

    GPCM with the credits as scoring function; slopes drawn from U(0.3, 0.7) per unit of
    credit and intercepts from N(0, 0.6²), each seeded by the item id so the model is the same
    on every machine. It stands in for a calibrated model before any real data exist and is
    labelled synthetic wherever it is used; it is never a basis for decisions.
    """
    specs = item_specs(items)
    parameters = []
    for spec in specs:
        rng = np.random.default_rng(zlib.crc32(spec.item_id.encode("utf-8")))
        slope = rng.uniform(0.3, 0.7)
        intercepts = rng.normal(0.0, 0.6, spec.n_categories - 1)
        parameters.append(ItemParameters(spec, (float(slope), *map(float, intercepts))))
    dimensions = tuple(d for d in COMPETENCIES if any(s.dimension == d for s in specs))
    return ModelParameters(get_model(model).name, dimensions, tuple(parameters))


def scored_responses(
    item: BestItem | MostLeastItem, most: str, least: str | None
) -> dict[str, str]:
    """Scored item id → option id picked, for one answered bank item.

    Raises ``ValueError`` when an option id is unknown or a most_least answer lacks its
    least pick (or a best answer has one).
    """
    options = {option.id for option in item.options}
    for pick in (most, least):
        if pick is not None and pick not in options:
            raise ValueError(f"item {item.id}: unknown option {pick!r}")
    if item.format == "best":
        if least is not None:
            raise ValueError(f"item {item.id}: a best item takes one pick")
        return {item.id: most}
    if least is None:
        raise ValueError(f"item {item.id}: a most_least item needs a least-effective pick")
    if least == most:
        raise ValueError(f"item {item.id}: most and least must be different options")
    return {item.id + MOST_SUFFIX: most, item.id + LEAST_SUFFIX: least}
