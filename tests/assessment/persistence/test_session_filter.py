"""``SessionFilter``: the one value that chooses the completed sessions a data set is built
from, for the database queries, ``sjt responses`` and the workbench alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from assessment.persistence.answers import SessionFilter

UTC = dt.UTC


def test_days_are_whole_utc_days_with_the_last_one_included() -> None:
    chosen = SessionFilter.days(dt.date(2026, 1, 5), dt.date(2026, 1, 7), "fixed")
    assert chosen.since == dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert chosen.until == dt.datetime(2026, 1, 8, tzinfo=UTC)
    assert chosen.form == "fixed"
    one_day = SessionFilter.days(dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    assert one_day.until == dt.datetime(2026, 1, 6, tzinfo=UTC)
    assert SessionFilter.days() == SessionFilter()


def test_the_defaults_leave_out_flagged_sessions_and_keep_synthetic_ones() -> None:
    assert (SessionFilter().include_flagged, SessionFilter().include_synthetic) == (False, True)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SessionFilter.days(dt.date(2026, 2, 1), dt.date(2026, 1, 31)), "before the first"),
        (
            lambda: SessionFilter(
                dt.datetime(2026, 2, 1, tzinfo=UTC), dt.datetime(2026, 2, 1, tzinfo=UTC)
            ),
            "start must come before the end",
        ),
        (
            lambda: SessionFilter(since=dt.datetime(2026, 2, 1)),
            "since 2026-02-01 00:00:00: give a UTC",
        ),
        (
            lambda: SessionFilter(until=dt.datetime(2026, 2, 1)),
            "until 2026-02-01 00:00:00: give a UTC",
        ),
        (lambda: SessionFilter(form="paper"), "form must be one of adaptive, fixed, got 'paper'"),
    ],
)
def test_an_empty_interval_a_naive_time_or_an_unknown_form_is_refused_by_name(
    make: Callable[[], SessionFilter], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()
