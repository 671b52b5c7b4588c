"""Full-width formula characters are neutralised in CSV exports (issue 11, finding 11)."""

from __future__ import annotations

import csv
import io

import pytest

from assessment.persistence.store import Store
from assessment.recruiting.exports import neutralise, scores_csv
from assessment.recruiting.invitations import InvitationRequest, links_csv
from assessment.recruiting.overview import candidate_overview

FULL_WIDTH = ['＝HYPERLINK("http://evil.example")', "＋1+2", "－3+4", "＠SUM(A1:A2)"]


@pytest.mark.parametrize("text", FULL_WIDTH)
def test_full_width_formula_starts_get_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


def test_scores_and_links_exports_neutralise_full_width_starts(store: Store) -> None:
    for n, name in enumerate(FULL_WIDTH):
        store.create_invitation(store.add_candidate(name, f"x{n}@example.org", name))
    rows = list(csv.reader(io.StringIO(scores_csv(candidate_overview(store)))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in {"＝", "＋", "－", "＠"}]
    links = links_csv(
        [("C1", "token")],
        [InvitationRequest(FULL_WIDTH[0], None, FULL_WIDTH[2], "en")],
        "https://x",
    )
    assert not [c for row in csv.reader(io.StringIO(links)) for c in row if c[:1] in {"＝", "－"}]
