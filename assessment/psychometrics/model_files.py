"""The model document of a calibration: parameters, fit, norms from the calibration sample and
provenance — what ``sjt calibrate`` writes and the workbench promotes.

The norm tables describe the calibration sample's estimates, and estimates from the adaptive
test and the fixed form spread differently (``form_norms``), so the file records the form its
norms describe (``norm_reference.form``) when the sample's forms are recorded: one form for
the whole sample is that form; a sample of both forms gets tables per form as re-norming makes
them (``form_norms.norms_by_form``: the adaptive test's respondents in ``norms``, the fixed
form's in ``form_norms.fixed``). When any respondent's form is not recorded the design stays
unrecorded (None), never judged from the answers.

Kept apart from ``versions`` (which stores, promotes and rescores versions) so that building a
model file needs no database: ``sjt calibrate`` runs without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assessment.errors import AssessmentError, DataFileError
from assessment.model_document import (
    EstimateCorrelation,
    ModelDocument,
    NormReference,
    NormSection,
    Provenance,
)
from assessment.psychometrics.form_norms import (
    check_forms,
    norms_by_form,
    packaged_fixed_form,
)
from scoring import (
    CalibrationResult,
    ModelParameters,
    PosteriorEstimate,
    ResponseMatrix,
    ThetaEstimate,
    score_eap,
    score_eap_correlated,
)
from scoring.norms import NormTable

if TYPE_CHECKING:
    from items import ItemBank

SOFTWARE = "sjt-service 0.1.0"


def calibrated_model_file(
    result: CalibrationResult,
    data: ResponseMatrix,
    source: str,
    parameters: ModelParameters | None = None,
    forms: Sequence[str | None] | None = None,
    fixed_form: Collection[str] | None = None,
    n_synthetic: int = 0,
) -> ModelDocument:
    """The model document of a calibration: parameters, fit, norms from the calibration
    sample (EAP estimates; correlated EAP when the calibration estimated a latent correlation),
    provenance. This is what ``sjt calibrate`` writes and what is promoted.

    ``parameters`` replaces the calibration's items (for example with carried-over items
    added); ``data`` must then list the same items in the same order. ``forms`` is the form
    each row of ``data`` took (None: not recorded; see the module notes); ``fixed_form`` the
    fixed form's items, for simulated fixed-form tables when few rows took it (default: the
    packaged form). ``n_synthetic`` respondents of ``data`` are synthetic (a ``_synthetic``
    column): with any, the norm group includes synthetic people, so the norms, their group's
    name and the provenance say synthetic (and how many), as reports then do."""
    parameters = parameters or result.parameters
    estimate = eap_estimates(parameters, data)
    n = data.n_candidates
    synthetic = n_synthetic > 0
    kind = "synthetic " if n_synthetic == n else ("partly synthetic " if synthetic else "")
    name = f"{kind}calibration sample ({source})"
    names = {"zh": ("合成" if synthetic else "") + f"校准样本（{source}）"}
    design = sample_design(forms, n)
    sections: dict[str, Any] = {}
    if design == "mixed":
        took_fixed = np.array([form == "fixed" for form in forms or ()], dtype=bool)
        sections = _norms_by_form(
            parameters, estimate, took_fixed, name, names, fixed_form, synthetic
        )
    if not sections:
        sample = f"{kind}calibration sample ({source}, n={n})"
        sections = {
            "norms": {
                dimension: NormSection.from_table(
                    NormTable.from_estimates(estimate.theta[:, d], sample, names),
                    synthetic=synthetic,
                )
                for d, dimension in enumerate(parameters.dimensions)
            },
            "sample": sample,
            "n": n,
            "correlation": EstimateCorrelation.of_estimates(
                estimate.theta, tuple(parameters.dimensions)
            ),
            "form": None if design == "mixed" else design,  # mixed: see _norms_by_form
        }
    now = dt.datetime.now(dt.UTC)
    provenance = Provenance(
        kind="synthetic" if synthetic else "calibrated",
        created_at=now.isoformat(timespec="seconds"),
        software=SOFTWARE,
        data=source,
        scale="theta ~ N(0, 1) in the calibration sample on every dimension",
        note=(
            f"calibrated on {n_synthetic} synthetic of {n} respondents ({source}: _synthetic)"
            if synthetic
            else None
        ),
    )
    reference = NormReference(
        sample=sections["sample"], n=sections["n"], date=now.date().isoformat(),
        estimate_correlation=sections["correlation"], form=sections["form"],
    )  # fmt: skip
    norms = sections["norms"]
    by_form = {"form_norms": sections["form_norms"]} if "form_norms" in sections else {}
    answers = dict(zip(data.item_ids, map(int, data.answered_counts()), strict=True))
    layout = parameters.to_dict()
    items = {k: layout[k] for k in ("dimensions", "latent_correlation", "items") if k in layout}
    return ModelDocument.from_dict(
        {**result.to_dict(), **items, "norms": {d: n.model_dump() for d, n in norms.items()},
         "norm_reference": reference.model_dump(), "item_answers": answers,
         "provenance": provenance.model_dump(),
         **{k: {f: v.model_dump() for f, v in s.items()} for k, s in by_form.items()}},
        source=f"calibration of {source}",
    )  # fmt: skip


def sample_design(forms: Sequence[str | None] | None, n: int) -> str | None:
    """The design of a sample whose rows took ``forms``: "adaptive" or "fixed" when every
    row's form is recorded and the same, "mixed" for both, None when any is not recorded.
    Raises ``AssessmentError`` for a list of the wrong length or an unknown form."""
    if forms is None:
        return None
    check_forms(forms, n)
    if n == 0 or any(form is None for form in forms):
        return None
    found = set(forms)
    return str(found.pop()) if len(found) == 1 else "mixed"


def _norms_by_form(
    parameters: ModelParameters,
    estimate: ThetaEstimate | PosteriorEstimate,
    took_fixed: np.ndarray,
    name: str,
    names: dict[str, str],
    fixed_form: Collection[str] | None,
    synthetic: bool,
) -> dict[str, Any]:
    """The norm sections of a calibration sample of both forms, as re-norming makes them.
    Empty (the design is then not recorded) when fewer than two rows took the adaptive test,
    or when the fixed form has too few respondents and its answers cannot be simulated
    because some of its items are not calibrated."""
    if (~took_fixed).sum() < 2:
        return {}
    items = packaged_fixed_form() if fixed_form is None else fixed_form
    try:
        made = norms_by_form(parameters, estimate, took_fixed, name, items, names=names)
    except AssessmentError:
        return {}
    first = next(iter(made.tables.values()))
    return {
        "norms": {
            d: NormSection.from_table(t, synthetic=synthetic) for d, t in made.tables.items()
        },
        "sample": first.group,
        "n": made.n_adaptive,
        "correlation": made.correlation,
        "form": "adaptive",
        "form_norms": {"fixed": made.fixed},
    }


def eap_estimates(
    parameters: ModelParameters, data: ResponseMatrix
) -> ThetaEstimate | PosteriorEstimate:
    """EAP estimates of a norm sample (correlated EAP when the model states a latent
    correlation), as norm tables are built from them."""
    if parameters.latent_correlation is not None:
        return score_eap_correlated(parameters, data)
    return score_eap(parameters, data)


def reference_of(document: ModelDocument) -> NormReference:
    """A model document's ``norm_reference``; for older files, the one its norm tables imply
    (the first table's group and size, the file's creation date)."""
    if document.norm_reference is not None:
        return document.norm_reference
    table = next(iter((document.norms or {}).values()), None)
    created = (document.provenance.created_at or "") if document.provenance else ""
    return NormReference(
        sample=table.group if table else "unknown", n=table.n if table else 0, date=created[:10]
    )


def check_bank_codes(parameters: ModelParameters, bank: ItemBank, source: str) -> None:
    """Refuse a model whose codes of a bank item are not the item's option ids
    (``bank_code_problems``): scored against the bank, every answer would look wrong and the
    data file would be blamed for the model file's fault. Raises ``DataFileError`` naming
    ``source``, each such item, its codes and the bank's options."""
    from items.scoring_map import bank_code_problems, reading_specs

    specs = reading_specs(parameters)
    if not any(isinstance(code, str) for spec in specs for code in spec.codes):
        return
    problems = bank_code_problems(specs, {item.id: item.option_ids for item in bank})
    if problems:
        raise DataFileError(source, problems)


__all__ = [
    "SOFTWARE",
    "calibrated_model_file",
    "check_bank_codes",
    "eap_estimates",
    "reference_of",
    "sample_design",
]
