"""Immutable values of a candidate's test: responses and the session that collects them.

A session with one more response is a new value; the store persists responses append-only.
Shared below ``persistence``, which stores these values, and ``delivery``, which makes them;
the readers of what a completed session stores with its scores (``stored_posterior``,
``stored_evidence``) serve every caller of the profile's overall rule (the profile, fairness).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from assessment.errors import AssessmentError
from assessment.vocabulary import Form, Language
from items.models import COMPETENCIES


@dataclass(frozen=True)
class Response:
    """One answered item.

    Attributes
    ----------
    item_id : str
        Bank item id.
    most : str
        Option id picked as the most effective (the only pick of a ``best`` item).
    least : str or None
        Option id picked as the least effective (``most_least`` items only).
    response_ms : int
        Time from showing the item to submitting it, measured by the server.
    answered_at : datetime
        Server time of the answer (UTC).
    """

    item_id: str
    most: str
    least: str | None = None
    response_ms: int = 0
    answered_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __post_init__(self) -> None:
        if self.response_ms < 0:
            raise AssessmentError(f"item {self.item_id}: negative response time")


@dataclass(frozen=True)
class CandidateSession:
    """The state of one candidate's test: which items were answered, how, and whether done."""

    session_id: str
    form: Form = "adaptive"
    language: Language = "en"
    responses: tuple[Response, ...] = ()
    completed: bool = False

    @property
    def answered_ids(self) -> tuple[str, ...]:
        return tuple(response.item_id for response in self.responses)

    def with_response(self, response: Response) -> CandidateSession:
        """A new session with ``response`` appended; refuses repeats and finished tests."""
        if self.completed:
            raise AssessmentError("this test has already been submitted")
        if response.item_id in self.answered_ids:
            raise AssessmentError(f"item {response.item_id} has already been answered")
        return replace(self, responses=(*self.responses, response))

    def completed_session(self) -> CandidateSession:
        return replace(self, completed=True)


Matrix = list[list[float]]
"""A 5 × 5 matrix in ``items.COMPETENCIES`` order, as nested lists."""


def stored_posterior(flags: Mapping[str, object]) -> tuple[Matrix | None, Matrix | None]:
    """Posterior covariance and latent correlation stored with a session (``flags["posterior"]``,
    written by ``assessment.delivery.score_record.posterior_record``), in COMPETENCIES order;
    (None, None) for sessions scored before they were stored or a record that cannot be read."""
    posterior = flags.get("posterior")
    if not isinstance(posterior, dict):
        return None, None
    try:
        order = [list(posterior["competencies"]).index(c) for c in COMPETENCIES]
        out = []
        for key in ("covariance", "latent_correlation"):
            matrix = np.asarray(posterior[key], dtype=float)[np.ix_(order, order)]
            out.append(matrix.tolist())
    except (KeyError, ValueError, TypeError, IndexError):
        return None, None
    return out[0], out[1]


def stored_evidence(flags: Mapping[str, object]) -> float | None:
    """The session's log Bayes factor of the model against random picks, if recorded."""
    value = flags.get("random_log_odds")
    return float(value) if isinstance(value, int | float) else None
