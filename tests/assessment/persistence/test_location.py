"""``sqlite_file``: the database file a command's ``--out`` must never name."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.persistence.location import sqlite_file


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/sjt.db", Path("data/sjt.db")),
        ("sqlite:////srv/sjt/sjt.db", Path("/srv/sjt/sjt.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://sjt@127.0.0.1:5432/sjt", None),
        ("not a url", None),
    ],
)
def test_only_an_sqlite_file_has_a_file(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected


def test_without_a_url_it_is_the_configured_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SJT_DATABASE_URL", "sqlite:///elsewhere/x.db")
    assert sqlite_file() == Path("elsewhere/x.db")
