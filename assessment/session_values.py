"""Immutable values of a candidate's test: responses and the session that collects them.

A session with one more response is a new value; the store persists responses append-only.
Shared below ``persistence``, which stores these values, and ``delivery``, which makes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from assessment.errors import AssessmentError
from assessment.vocabulary import Form, Language


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
        if self.least is not None and self.least == self.most:
            raise AssessmentError(
                f"item {self.item_id}: the same option cannot be most and least effective"
            )
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
