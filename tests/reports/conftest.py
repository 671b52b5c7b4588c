"""Fixtures for the reports: seeded norm tables, a profile factory and story text helpers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
from reportlab.graphics.shapes import Group, String
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

from items import COMPETENCIES, CompetencyDefinition, load_competencies
from reports.profile import CandidateProfile, RoleProfile, build_profile
from reports.wording import Wording, load_wording
from scoring.norms import NormTable

NORM_GROUP = "Customer-service applicants 2026"
THETA = {
    "service_orientation": 0.9,
    "resilience": -0.55,
    "composure": -1.5,
    "empathy": 0.35,
    "integrity": 1.6,
}
SE = {
    "service_orientation": 0.33,
    "resilience": 0.38,
    "composure": 0.41,
    "empathy": 0.36,
    "integrity": 0.44,
}
RELIABILITY = {
    "service_orientation": 0.84,
    "resilience": 0.79,
    "composure": 0.77,
    "empathy": 0.81,
    "integrity": 0.74,
}


def strong_inputs() -> dict[str, Any]:
    """Profile inputs of a clearly strong candidate: every competency T 65 with a narrow
    interval, so only the evidence rule can withhold a recommendation."""
    return {
        "role": RoleProfile(floor=20.0),
        "theta": dict.fromkeys(COMPETENCIES, 1.5),
        "se": dict.fromkeys(COMPETENCIES, 0.2),
    }


requires_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed; CI installs it with `make system-deps`",
)


@pytest.fixture(scope="session")
def norms() -> dict[str, NormTable]:
    """One norm table per competency from a seeded sample of 2,400 estimates."""
    rng = np.random.default_rng(20261123)
    return {
        c: NormTable.from_estimates(rng.normal(0.1, 0.95, 2400), NORM_GROUP) for c in COMPETENCIES
    }


@pytest.fixture(scope="session")
def definitions() -> tuple[CompetencyDefinition, ...]:
    return load_competencies()


@pytest.fixture(scope="session")
def wording() -> Wording:
    return load_wording()


@pytest.fixture(scope="session")
def make_profile(norms: dict[str, NormTable]) -> Callable[..., CandidateProfile]:
    """Build a profile from the example estimates; keyword arguments override any input."""

    def make(**overrides: Any) -> CandidateProfile:
        inputs: dict[str, Any] = {
            "candidate_name": "Mei-Ling Chen",
            "candidate_id": "C-2026-00417",
            "position": "Customer-service agent, online chat",
            "test_date": dt.date(2026, 11, 23),
            "language": "en",
            "form": "adaptive",
            "n_items": 28,
            "model_version": "gpcm-2026.11-r2",
            "theta": THETA,
            "se": SE,
            "norms": norms,
            "reliability": RELIABILITY,
        }
        inputs.update(overrides)
        return build_profile(**inputs)

    return make


def flowable_texts(flowables: Iterable[Any]) -> list[str]:
    """The plain text of every paragraph, table cell and drawing string, depth first."""
    texts: list[str] = []
    for item in flowables:
        if isinstance(item, Paragraph):
            texts.append(item.getPlainText())
        elif isinstance(item, str):
            if item:
                texts.append(item)
        elif isinstance(item, list | tuple):
            texts.extend(flowable_texts(item))
        elif isinstance(item, Table):
            texts.extend(flowable_texts(cell for row in item._cellvalues for cell in row))
        elif isinstance(item, KeepTogether):
            texts.extend(flowable_texts(item._content))
        elif isinstance(item, Group):  # Drawing is a Group subclass in reportlab.graphics
            texts.extend(flowable_texts(item.contents))
        elif isinstance(item, String):
            texts.append(item.text)
    return texts


def story_text(flowables: list[Flowable]) -> str:
    """All text of a story joined by newlines."""
    return "\n".join(flowable_texts(flowables))


def pdf_text(pdf: bytes) -> str:
    """What a reader sees: ``pdftotext -layout`` of the PDF."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")
