"""The closed sets of the service layer, each defined once, with one validator each.

``Language``, ``Form`` and ``Status`` are ``Literal`` types for the type checker; the tuples
list their values at run time; ``*_problem`` returns the message for a value outside the set
(or ``None``), so that each caller raises its own error type or collects the message.
The band cut scores on the T-score scale live here too, for the profile and for review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, get_args

Language = Literal["en", "zh"]
Form = Literal["adaptive", "fixed"]
Status = Literal["invited", "started", "completed", "expired"]

LANGUAGES: tuple[Language, ...] = get_args(Language)
FORMS: tuple[Form, ...] = get_args(Form)
STATUSES: tuple[Status, ...] = get_args(Status)
"""Candidate statuses, in the order of the recruiter's journey."""

BAND_LOW_BELOW = 40.0
"""T-scores below this are in the low band."""
BAND_HIGH_ABOVE = 60.0
"""T-scores above this are in the high band; both cut scores belong to the typical band."""

RECOMMEND_AT = 50.0
"""Composite T at or above which the overall result may be "recommended" (default role)."""
CARE_AT = 42.0
"""Composite T at or above which it is at least "with care"; below, "not a match"."""
FLOOR_BELOW = 35.0
"""A weighted competency with T below this caps the result at "with care"."""

_SHOWN = 20  # characters of an unknown value repeated in a message


def _problem(what: str, value: object, allowed: tuple[str, ...]) -> str | None:
    if isinstance(value, str) and value in allowed:
        return None
    shown = value[:_SHOWN] if isinstance(value, str) else value
    return f"{what} must be one of {', '.join(allowed)}, got {shown!r}"


def language_problem(value: object) -> str | None:
    """The message for a value that is not a ``Language`` (``None`` for a valid one)."""
    return _problem("language", value, LANGUAGES)


def form_problem(value: object) -> str | None:
    """The message for a value that is not a ``Form`` (``None`` for a valid one)."""
    return _problem("form", value, FORMS)


def status_problem(value: object) -> str | None:
    """The message for a value that is not a ``Status`` (``None`` for a valid one)."""
    return _problem("status", value, STATUSES)


__all__ = [
    "BAND_HIGH_ABOVE",
    "BAND_LOW_BELOW",
    "CARE_AT",
    "FLOOR_BELOW",
    "FORMS",
    "LANGUAGES",
    "RECOMMEND_AT",
    "STATUSES",
    "Form",
    "Language",
    "Status",
    "form_problem",
    "language_problem",
    "status_problem",
]


class OverallRule(Protocol):
    """θ, SE and T per competency, the raised flags and the evidence against random picking (log
    Bayes factor, None when unknown), optionally the session's stored posterior covariance and
    latent correlation (5 × 5, ``items.COMPETENCIES`` order; ``session_values.stored_posterior``)
    → (composite T, overall band), e.g. ``reports.profile.composite_and_band`` (the profile's
    own rule); passed in by the callers that may import ``reports`` (the recruiters' export,
    re-norming's preview, fairness monitoring)."""

    def __call__(
        self,
        theta: Mapping[str, float],
        se: Mapping[str, float],
        t_scores: Mapping[str, float],
        flags: Sequence[str],
        evidence: float | None,
        /,
        *,
        covariance: Sequence[Sequence[float]] | None = None,
        correlation: Sequence[Sequence[float]] | None = None,
    ) -> tuple[float, str]: ...
