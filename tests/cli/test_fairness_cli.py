"""``sjt fairness``: selection rates of the profiles' overall results by default, a plain T cut
on request, group sizes and caveats printed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment.persistence.answers import EVERY_COMPLETED_SESSION
from assessment.persistence.store import Store
from assessment.persistence.tables import TestSession
from assessment.psychometrics.fairness import OVERALL_BANDS, record_groups
from assessment.psychometrics.versions import collected_responses
from items import load_bank
from reports.assemble import profile_for_candidate
from tests.cli.conftest import run, seeded_database, use_copy_of


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with the synthetic model active and fourteen demo candidates."""
    return seeded_database(tmp_path_factory.mktemp("fairness-cli"), 14, seed=3)


@pytest.fixture
def grouped(seeded_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The seeded database (a copy) with every completed session answering gender alternately."""
    store = Store.open(use_copy_of(seeded_file, tmp_path, monkeypatch))
    sessions = collected_responses(store, load_bank(), EVERY_COMPLETED_SESSION).session_ids
    for n, session_id in enumerate(sessions):
        record_groups(store, session_id, {"gender": "woman" if n % 2 else "man"})
    return store


def profile_bands(store: Store) -> dict[str, Counter[str]]:
    """Group → overall results on the candidates' profiles."""
    sessions = collected_responses(store, load_bank(), EVERY_COMPLETED_SESSION).session_ids
    with store.transaction() as db:
        owner = dict(db.execute(select(TestSession.id, TestSession.candidate_id)).all())
    out: dict[str, Counter[str]] = {}
    for n, session_id in enumerate(sessions):
        band = profile_for_candidate(store, str(owner[session_id])).overall.band
        out.setdefault("woman" if n % 2 else "man", Counter())[band] += 1
    return out


def rows_after(output: str, heading: str) -> dict[str, list[str]]:
    """Group → the cells of its row in the table under ``heading`` (up to the next heading)."""
    lines = output.splitlines()
    start = lines.index(heading) + 2  # the heading, then the column names
    rows = {}
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        group, *cells = line.split()
        rows[group] = cells
    return rows


def test_by_default_the_rates_are_those_of_the_profiles_overall_results(grouped: Store) -> None:
    code, output = run("fairness", "--field", "gender")
    assert code == 0, output
    assert "selection by overall result of the profiles" in output
    expected = profile_bands(grouped)
    counts = rows_after(output, "overall results by group:")
    for group, bands in expected.items():
        n = sum(bands.values())
        assert counts[group] == [str(n), *(str(bands[b]) for b in OVERALL_BANDS)]
    for heading, chosen in (
        ("selected: recommended", {"recommended"}),
        ("selected: recommended or with care", {"recommended", "with_care"}),
    ):
        rows = rows_after(output, heading)
        for group, bands in expected.items():
            n, selected = sum(bands.values()), sum(bands[b] for b in chosen)
            assert rows[group][:3] == [str(n), str(selected), f"{selected / n:.2f}"]
            assert rows[group][-2:] == ["small", "group"]
    assert "note: Selected means the overall result on the candidates' profiles" in output
    assert "are synthetic demo candidates" in output
    assert "item DIF:" in output


def test_a_plain_t_cut_is_an_option(grouped: Store) -> None:
    code, output = run("fairness", "--field", "gender", "--basis", "cut", "--cut", "55")
    assert code == 0, output
    assert "selection by mean T of the five competencies" in output
    assert "selected: T >= 55 on mean T of the five competencies" in output
    assert "overall results by group:" not in output
    assert "is not the decision recruiters see" in output
