"""The demo store the psychometric-operation tests share."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.delivery.respondents import random_response
from assessment.delivery.service import Delivery
from assessment.demo import seed_demo
from assessment.model_document import ItemEntry, ModelDocument
from assessment.persistence import store as store_module
from assessment.persistence.store import Store, StoredModel
from items import load_bank
from tests.session_ids import seeded_ids


@pytest.fixture
def seeded(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Fourteen demo candidates (ten completed) with seeded ids: the adaptive engine draws
    from the ids, so random ids gave other demo results on every run (and tests that need a
    clear "recommended" or a band change failed now and then)."""
    monkeypatch.setattr(store_module, "new_id", seeded_ids(3))
    seed_demo(store, load_bank(), 14, seed=3)
    return store


def active_of(store: Store) -> StoredModel:
    """The active model version of ``store`` (the tests' stores always have one)."""
    active = store.active_model_document()
    assert active is not None
    return active


def stronger_model(store: Store) -> ModelDocument:
    """The active model with every slope raised by 20% (a stand-in for a new calibration)."""
    active = active_of(store)
    items = [with_scaled_slopes(item, 1.2) for item in active.document.items]
    return active.document.with_changes(items=items)


def add_random_responder(store: Store, seed: int = 0) -> str:
    """Complete one more session whose answers are uniform random picks, given at once (its
    data-quality flags are raised); returns the session id."""
    bank = load_bank()
    delivery = Delivery.from_store(store, bank)
    rng = np.random.default_rng(seed)
    candidate = store.add_candidate(display_name="Random responder", email="random@example.com")
    _, token = store.create_invitation(candidate, language="en", form="adaptive", created_by="t")
    session_id = delivery.start(delivery.open(token), "en")
    delivery.consent(session_id)
    delivery.practice_done(session_id)
    while (view := delivery.current_item(session_id)) is not None:
        options = tuple(option.id for option in view.item.options)
        picked = random_response(bank, options, view.item.id, rng, 0)  # only the picks are sent
        delivery.answer(session_id, view.item.id, picked.most, picked.least)
    delivery.finish(session_id)
    return session_id


def with_scaled_slopes(item: ItemEntry, factor: float) -> ItemEntry:
    """``item`` with every slope multiplied by ``factor``: the category slopes of a one-pick
    item, the most and least option slopes of a joint most/least item (whose categories are
    derived from its options, so they are dropped and derived again)."""
    if item.options is None:
        assert item.categories is not None
        return item.model_copy(
            update={
                "categories": tuple(
                    c.model_copy(update={"slope": factor * c.slope}) for c in item.categories
                )
            }
        )
    return item.model_copy(
        update={
            "categories": None,
            "options": tuple(
                o.model_copy(
                    update={
                        "most_slope": factor * o.most_slope,
                        "least_slope": factor * o.least_slope,
                    }
                )
                for o in item.options
            ),
        }
    )


def calibration_of(
    document: ModelDocument,
    competencies: tuple[str, ...],
    correlation: tuple[tuple[float, ...], ...] | None = None,
) -> ModelDocument:
    """A stand-in for a calibration of ``competencies`` only: ``document``'s items of those
    competencies, the first one twice as steep (raising every slope would be undone by the
    linking), their norms and reliability, and the latent ``correlation`` it states."""
    first, *others = [item for item in document.items if item.dimension in competencies]
    reliability = document.reliability
    return ModelDocument.from_dict(
        {
            "model": document.model,
            "dimensions": list(competencies),
            "items": [
                item.model_dump(mode="json") for item in (with_scaled_slopes(first, 2.0), *others)
            ],
            "fit": {"marginal_reliability": {c: reliability[c] for c in competencies}},
            "norms": {c: (document.norms or {})[c].model_dump(mode="json") for c in competencies},
            **({"latent_correlation": correlation} if correlation else {}),
        }
    )
