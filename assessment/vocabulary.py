"""The closed sets of the service layer, each defined once, with one validator each.

``Language``, ``Form`` and ``Status`` are ``Literal`` types for the type checker; the tuples
list their values at run time; ``*_problem`` returns the message for a value outside the set
(or ``None``), so that each caller raises its own error type or collects the message.
The band cut scores on the T-score scale live here too, for the profile and for review.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, get_args

Language = Literal["en", "zh"]
Form = Literal["adaptive", "fixed"]
Status = Literal["invited", "started", "completed", "expired"]
QualityFlag = Literal["too_fast", "same_position_run", "person_misfit", "random_like", "incomplete"]

LANGUAGES: tuple[Language, ...] = get_args(Language)
FORMS: tuple[Form, ...] = get_args(Form)
STATUSES: tuple[Status, ...] = get_args(Status)
"""Candidate statuses, in the order of the recruiter's journey."""
QUALITY_FLAGS: tuple[QualityFlag, ...] = get_args(QualityFlag)
"""Data-quality flag keys of a completed session, in the order reports list them."""

BAND_LOW_BELOW = 40.0
"""T-scores below this are in the low band."""
BAND_HIGH_ABOVE = 60.0
"""T-scores above this are in the high band; both cut scores belong to the typical band."""

RECOMMEND_AT = 50.0
"""Composite T at or above which the overall result may be "recommended" (default role)."""
CARE_AT = 42.0
"""Composite T at or above which it is at least "with care"; below, "not a match".

Both cut scores apply to the whole 90% interval of the composite: an interval that includes
one is "borderline" (``reports.profile.RoleProfile.summarise_values``). "With care" from the
composite alone therefore needs an interval narrower than ``RECOMMEND_AT - CARE_AT`` (8 T);
the delivered tests' narrowest are wider (about 9 T adaptive, 11 T fixed form, simulated), so
at present "with care" comes from the floor, and the reports state the rule that way rather
than implying a 42–50 composite is "with care"."""
FLOOR_BELOW = 35.0
"""A weighted competency with T below this caps the result at "with care"."""

RANDOM_LIKE_BELOW = 0.0
"""Least log Bayes factor of the scoring model against uniform random picks
(``assessment.delivery.quality.random_log_odds``) for answers to count as told apart from
random picking. Below it (the answers are at least as probable under random picks as under
the model) the ``random_like`` flag is raised: the result is "review" and the report says the
answers cannot be told apart from random picking.

Chosen by simulation (``python -m benchmarks.quality_rates 1000 2026``: synthetic model,
1,000 candidates per group and form, human-speed answers, through the delivery engine): the
largest round threshold that keeps the false-alarm rate of all flags together within the 10%
budget of ``QualityPolicy``. ``tests/assessment/delivery/test_quality_rates.py`` checks the
column of the chosen threshold on new samples, within sampling error.

============================  ========  ========  =========  =========  =========
rate (adaptive / fixed form)  −1        0         log 2      log 3      log 10
============================  ========  ========  =========  =========  =========
genuine: ``random_like``      3.5/4.2   6.3/6.9   8.4/9.2    10.0/11.4  17.2/20.1
genuine: any flag             6.1/6.4   8.7/8.7   10.7/10.8  12.3/12.8  19.0/21.4
random: no flag at all        6.6/7.4   3.5/3.9   2.5/2.3    1.7/1.5    0.7/0.5
============================  ========  ========  =========  =========  =========

(percentages, each with a standard error of at most 1.3 points; genuine candidates answer
from the model with its latent correlation, random ones pick uniformly.) A random responder
who escapes every flag is still never "recommended" (``reports.profile.MIN_EVIDENCE_LOG_ODDS``).
"""

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


def random_like(evidence: float | None, below: float = RANDOM_LIKE_BELOW) -> bool:
    """Whether answers cannot be told apart from random picking: their log Bayes factor of the
    scoring model against uniform random picks (``random_log_odds``) is below ``below``
    (``RANDOM_LIKE_BELOW``; studies of the rule try others), or not a number. None (not
    computed: fewer than four answers) is not evidence either way."""
    if evidence is None:
        return False
    return not (math.isfinite(evidence) and evidence >= below)


def raised_flags(stored: Mapping[str, object] | None) -> tuple[str, ...]:
    """The raised data-quality flags of a session from its stored flags record.

    The record's ``raised`` list, plus ``random_like`` when its ``random_log_odds`` is below
    ``RANDOM_LIKE_BELOW``, so that sessions finished before that rule existed are read by it
    too; in ``QUALITY_FLAGS`` order, unknown keys after them as stored.
    """
    stored = stored or {}
    listed = stored.get("raised")
    names = [flag for flag in listed if isinstance(flag, str)] if isinstance(listed, list) else []
    evidence = stored.get("random_log_odds")
    if isinstance(evidence, int | float) and random_like(float(evidence)):
        names.append("random_like")
    known = [flag for flag in QUALITY_FLAGS if flag in names]
    return (*known, *dict.fromkeys(flag for flag in names if flag not in QUALITY_FLAGS))


__all__ = [
    "BAND_HIGH_ABOVE",
    "BAND_LOW_BELOW",
    "CARE_AT",
    "FLOOR_BELOW",
    "FORMS",
    "LANGUAGES",
    "QUALITY_FLAGS",
    "RANDOM_LIKE_BELOW",
    "RECOMMEND_AT",
    "STATUSES",
    "Form",
    "Language",
    "QualityFlag",
    "Status",
    "form_problem",
    "language_problem",
    "raised_flags",
    "random_like",
    "status_problem",
]
