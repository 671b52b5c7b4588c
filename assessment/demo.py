"""Fill the database with clearly labelled synthetic candidates who took the real test.

Every demo candidate is marked ``synthetic`` and named "Demo candidate … (synthetic)"; their
answers are drawn from the scoring model at a known true theta and submitted through the same
``Delivery`` service a real candidate uses, so the demo exercises the whole engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.clock import utcnow
from assessment.delivery.policy import CATPolicy
from assessment.delivery.service import Delivery
from assessment.delivery.simulation import (
    draw_answers,
    load_simulation_record,
    simulation_section,
)
from assessment.model_document import EstimateCorrelation, ModelDocument
from assessment.persistence.store import Store
from assessment.psychometrics.form_norms import form_norms, simulated_form_estimates
from items import ItemBank
from items.forms import load_fixed_form
from items.scoring_map import split_most_least, synthetic_model
from scoring import (
    ModelParameters,
    ResponseMatrix,
    score_eap_correlated,
    simulate_responses,
    simulate_theta,
)
from scoring.classical import MIN_PAIR_COUNT as MIN_PAIR_COUNT  # for the workbench caption
from scoring.norms import NormTable

SYNTHETIC_LABEL = "v0-synthetic"
POSITIONS = (
    "Call centre agent",
    "Online chat agent",
    "Service counter clerk",
    "Field service engineer",
)


@dataclass(frozen=True)
class DemoSummary:
    model_label: str
    created: int
    completed: int
    in_progress: int
    invited: int
    links: tuple[tuple[str, str], ...]
    """(candidate id, invitation token) of candidates who have not started yet."""


def synthetic_model_document(bank: ItemBank, seed: int = 7, n_norm: int = 5000) -> ModelDocument:
    """The synthetic generating model with norms, labelled synthetic throughout.

    The model (``items.scoring_map.synthetic_model``) has joint most/least items and a stated
    latent correlation. When the shipped simulation record
    (``assessment/delivery/simulation.json``) belongs to this model and the default test, its
    norm tables (the simulated candidates' estimates from the adaptive test as delivered, and
    from the fixed form in ``form_norms``) and reliabilities of the delivered test are used;
    otherwise norms come from multivariate EAP estimates of a simulated norm group answering
    the whole bank, and the fixed form's from the same group answering only the fixed form.
    """
    parameters: ModelParameters = synthetic_model(bank)
    out = parameters.to_dict()
    record = load_simulation_record()
    if record is not None and _fits(record, parameters):
        out["norms"] = _synthetic_tables(record["norms"], "自适应测验")
        out["simulation"] = simulation_section(record, synthetic=True)
        if "estimate_correlation" in record:
            group = next(iter(out["norms"].values()))
            out["norm_reference"] = {
                "sample": group["group"],
                "n": group["n"],
                "date": "",
                "estimate_correlation": record["estimate_correlation"],
                "form": "adaptive",
            }
        if "fixed_norms" in record:  # records written before it have none
            out["form_norms"] = {
                "fixed": {
                    "norms": _synthetic_tables(record["fixed_norms"], "固定题本"),
                    "method": "simulation",
                    "estimate_correlation": record["fixed_estimate_correlation"],
                }
            }
    rng = np.random.default_rng(seed)
    theta = simulate_theta(n_norm, len(parameters.dimensions), rng, parameters.correlation)
    data = simulate_responses(parameters, theta, rng)
    estimate = score_eap_correlated(parameters, data)
    if "norms" not in out:
        group = f"simulated norm group (synthetic, n={n_norm})"
        out["norms"] = {
            dimension: {
                **NormTable.from_estimates(
                    estimate.theta[:, d], group, {"zh": "模拟常模组（合成数据）"}
                ).to_dict(),
                "synthetic": True,
            }
            for d, dimension in enumerate(parameters.dimensions)
        }
        correlation = EstimateCorrelation.of_estimates(estimate.theta, parameters.dimensions)
        out["norm_reference"] = {
            "sample": group, "n": n_norm, "date": "",
            "estimate_correlation": correlation.model_dump(),
        }  # fmt: skip
    if "form_norms" not in out:
        fixed = simulated_form_estimates(parameters, theta, load_fixed_form(bank), rng)
        out["form_norms"] = {
            "fixed": form_norms(
                fixed, parameters.dimensions,
                f"simulated candidates taking the fixed form (synthetic, n={n_norm})",
                "simulation", {"zh": "模拟常模组（合成数据，固定题本）"},
            ).model_dump(mode="json")
        }  # fmt: skip
    reliability = {
        dimension: float(1 - np.mean(estimate.se[:, d] ** 2) / np.var(theta[:, d]))
        for d, dimension in enumerate(parameters.dimensions)
    }
    out["fit"] = {"marginal_reliability": reliability}
    out["provenance"] = {
        "kind": "synthetic",
        "note": "Generated from SME credits with seeded random slopes and a stated latent "
        "correlation; not calibrated on real candidates. Replace by promoting a calibrated "
        "model.",
    }
    return ModelDocument.from_dict(out, source="synthetic model")


def _synthetic_tables(tables: dict[str, Any], form_zh: str) -> dict[str, Any]:
    """A simulation record's norm tables of one form, marked synthetic and named so."""
    return {
        dimension: {
            **NormTable.from_dict(
                {**table, "group": f"{table['group']}, synthetic model"}
            ).to_dict(),
            "synthetic": True,
            "group_names": {"zh": f"模拟常模组（合成模型，按实际施测的{form_zh}）"},
        }
        for dimension, table in tables.items()
    }


def _fits(record: dict[str, Any], parameters: ModelParameters) -> bool:
    """Whether a simulation record was made with the synthetic model and the default test."""
    provenance = record.get("provenance") or {}
    norms = record.get("norms") or {}
    return (
        provenance.get("model") == "synthetic"
        and provenance.get("policy") == CATPolicy().model_dump()
        and set(norms) == set(parameters.dimensions)
        and set(record.get("reliability") or {}) == set(parameters.dimensions)
    )


def ensure_active_model(store: Store, bank: ItemBank) -> str:
    """Install the synthetic model as the active version when no version is active."""
    active = store.active_model_version()
    if active is not None:
        return active.label
    existing = {version.label for version in store.model_versions()}
    label = (
        SYNTHETIC_LABEL if SYNTHETIC_LABEL not in existing else f"{SYNTHETIC_LABEL}-{len(existing)}"
    )
    store.add_model_version(
        label,
        synthetic_model_document(bank),
        created_by="demo",
        note="Synthetic demo model (not calibrated on real data)",
        activate=True,
    )
    store.audit("demo", "model.activate", label, {"synthetic": True})
    return label


def seed_demo(
    store: Store, bank: ItemBank, n_candidates: int = 60, seed: int = 2026
) -> DemoSummary:
    """Create ``n_candidates`` synthetic candidates: most completed, some in progress or invited."""
    if n_candidates < 1:
        raise ValueError("the number of demo candidates must be at least 1")
    label = ensure_active_model(store, bank)
    delivery = Delivery.from_store(store, bank)
    rng = np.random.default_rng(seed)
    answers = draw_answers(delivery.pool, delivery.model.parameters, n_candidates, rng, None)
    # Everything that decides who is in which state is drawn up front, so the split of
    # completed / in progress / invited depends only on the seed, not on how many items the
    # adaptive test happened to give each candidate.
    kinds = rng.choice(
        ["completed", "in_progress", "invited"], size=n_candidates, p=[0.75, 0.12, 0.13]
    )
    positions = rng.choice(POSITIONS, size=n_candidates)
    index = {item_id: j for j, item_id in enumerate(delivery.pool.item_ids)}
    start = utcnow() - dt.timedelta(days=10)
    completed = in_progress = invited = 0
    links: list[tuple[str, str]] = []
    for n in range(n_candidates):
        kind = kinds[n]
        timing = np.random.default_rng([seed, n])
        candidate = store.add_candidate(
            display_name=f"Demo candidate {n + 1:03d} (synthetic)",
            email=f"demo{n + 1:03d}@example.invalid",
            position=str(positions[n]),
            synthetic=True,
        )
        language = "zh" if n % 3 == 2 else "en"
        form = "fixed" if n % 10 == 9 else "adaptive"
        _, token = store.create_invitation(
            candidate, language=language, form=form, created_by="demo"
        )
        if kind == "invited":
            invited += 1
            links.append((candidate, token))
            continue
        now = start + dt.timedelta(hours=float(timing.uniform(0, 200)))
        session_id = delivery.start(delivery.open(token), language)
        delivery.consent(session_id)
        delivery.practice_done(session_id)
        fast = timing.random() < 0.06
        limit = 8 if kind == "in_progress" else 10_000
        for _ in range(limit):
            view = delivery.current_item(session_id, now=now)
            if view is None:
                break
            seconds = timing.uniform(0.8, 1.8) if fast else timing.lognormal(np.log(22), 0.4)
            now += dt.timedelta(seconds=float(seconds))
            response = answers.response(delivery.pool, n, index[view.item.id])
            delivery.answer(session_id, view.item.id, response.most, response.least, now=now)
        if kind == "completed":
            delivery.finish(session_id)
            completed += 1
        else:
            in_progress += 1
    store.audit("demo", "demo.seed", None, {"candidates": n_candidates})
    return DemoSummary(label, n_candidates, completed, in_progress, invited, tuple(links))


SYNTHETIC_N = 500
"""Simulated candidates in the workbench's synthetic demo responses."""
SYNTHETIC_SEED = 2026


def synthetic_responses(
    bank: ItemBank, n: int = SYNTHETIC_N, seed: int = SYNTHETIC_SEED, *, joint: bool = False
) -> ResponseMatrix:
    """Responses of ``n`` simulated candidates drawn from the synthetic generating model.

    In the data-file form (each most_least item as its ``.most`` and ``.least`` parts, as
    ``sjt simulate`` writes and collected answers come), so a calibration treats them as it
    treats real data; with ``joint``, as the model scores them (one joint answer per
    most_least item). Clearly synthetic: for trying the calibration workbench on a demo,
    never for promoting a real model.
    """
    parameters = synthetic_model(bank)
    rng = np.random.default_rng(seed)
    theta = simulate_theta(n, len(parameters.dimensions), rng, 0.3)
    drawn = simulate_responses(parameters, theta, rng)
    return drawn if joint else split_most_least(drawn, parameters)
