"""Immutable values of a candidate's test: responses and the session that collects them.

A session with one more response is a new value; the store persists responses append-only.
Shared below ``persistence``, which stores these values, and ``delivery``, which makes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from assessment.errors import AssessmentError
from assessment.vocabulary import Form, Language
from scoring.composite import CompositeReference


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


def stored_evidence(flags: Mapping[str, object] | None) -> float | None:
    """A completed session's log Bayes factor of the model against random picks
    (``random_log_odds`` of its data-quality check), if recorded."""
    value = (flags or {}).get("random_log_odds")
    return float(value) if isinstance(value, int | float) else None


Matrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class StoredPosterior:
    """The posterior kept with a scored session (``flags["posterior"]``), from which the
    composite's SE is computed (:mod:`scoring.composite`).

    ``covariance`` is the posterior covariance of the θ estimates and ``latent_correlation``
    the prior correlation they were scored with, rows in the order asked for;
    ``model_version_id`` is the version that scored them (None for records written before it
    was kept).
    """

    covariance: Matrix
    latent_correlation: Matrix
    model_version_id: int | None = None

    @classmethod
    def from_flags(
        cls, flags: Mapping[str, object] | None, competencies: Sequence[str]
    ) -> StoredPosterior | None:
        """The session's posterior with rows in ``competencies`` order; None when the session
        has none (scored before it was kept) or it is malformed."""
        record = (flags or {}).get("posterior")
        if not isinstance(record, Mapping):
            return None
        try:
            stored = list(record["competencies"])
            order = [stored.index(c) for c in competencies]
            covariance, correlation = (
                tuple(tuple(float(record[key][i][j]) for j in order) for i in order)
                for key in ("covariance", "latent_correlation")
            )
        except (KeyError, ValueError, TypeError, IndexError):
            return None
        version = record.get("model_version_id")
        return cls(covariance, correlation, version if isinstance(version, int) else None)


@dataclass(frozen=True)
class CompletedScores:
    """What the reports' overall rule needs of one completed test outside a profile.

    ``theta``, ``se`` and ``t_scores`` by competency; ``flags`` the raised data-quality flags;
    ``evidence`` the log Bayes factor of the model against random picks (None: unknown);
    ``posterior`` the session's stored posterior (None: not kept); ``model_version_id`` the
    version that produced the scores; ``reference`` the composite's reference group when it
    is not that version's norm group (re-norming's preview of new norms: the same group as
    ``t_scores``), else None; ``form`` the form taken, whose norm group the composite refers
    to (None: not known, the version's ``norms``).
    """

    theta: Mapping[str, float]
    se: Mapping[str, float]
    t_scores: Mapping[str, float]
    flags: Sequence[str]
    evidence: float | None
    posterior: StoredPosterior | None
    model_version_id: int
    reference: CompositeReference | None = None
    form: str | None = None


OverallRule = Callable[[CompletedScores], tuple[float, str]]
"""Completed scores → (composite T, overall band), as the profile computes them
(``reports.assemble.overall_rule``); passed in by the callers that may import ``reports``
(the recruiters' export, re-norming's preview)."""
