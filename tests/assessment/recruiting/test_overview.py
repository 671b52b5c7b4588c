"""The recruiter's overview, invitation lists and the scores export (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest

from assessment.clock import utcnow
from assessment.demo import seed_demo
from assessment.errors import AssessmentError, InvitationFileError
from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate
from assessment.recruiting.exports import neutralise, score_columns, scores_codebook, scores_csv
from assessment.recruiting.invitations import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    InvitationRequest,
    invitation_link,
    invite_candidates,
    links_csv,
    links_text,
    parse_invitation_csv,
)
from assessment.recruiting.overview import candidate_overview, filter_rows, sort_rows, status_counts
from assessment.session_values import StoredPosterior
from assessment.vocabulary import STATUSES
from items import COMPETENCIES, load_bank
from reports.assemble import posterior_covariance

N_DEMO = 8


def start_test(store: Store, name: str) -> str:
    """A candidate whose session has started (no answers yet); returns the candidate id."""
    candidate = store.add_candidate(name, f"{name.split()[0].lower()}@example.com")
    _, token = store.create_invitation(candidate)
    version = store.active_model_version()
    assert version is not None
    store.start_session(store.resolve_token(token), "en", version.id)
    return candidate


@pytest.fixture
def seeded(store: Store) -> Store:
    """Eight demo candidates taken through the engine, plus one invited, one expired and one
    who has started."""
    seed_demo(store, load_bank(), N_DEMO)
    invited = store.add_candidate("Ivy Invited", "ivy@example.com", "Call centre agent")
    store.create_invitation(invited, language="zh")
    expired = store.add_candidate("Eli Expired", "eli@example.com", "Online chat agent")
    store.create_invitation(expired, expires_in_days=-1)
    start_test(store, "Sid Started")
    return store


def test_every_invited_candidate_has_one_row_with_a_status(seeded: Store) -> None:
    rows = candidate_overview(seeded)
    assert len(rows) == N_DEMO + 3
    assert len({row.candidate_id for row in rows}) == len(rows)
    assert {row.status for row in rows} <= set(STATUSES)
    counts = status_counts(rows)
    assert list(counts) == list(STATUSES)
    assert sum(counts.values()) == len(rows)
    assert counts["completed"] >= 1
    assert counts["invited"] >= 1
    assert counts["expired"] == 1
    started = [row for row in rows if row.status == "started"]
    assert "Sid Started" in {row.display_name for row in started}
    assert all(row.n_items == seeded.count_responses(row.session_id) for row in started)
    assert all(row.session_id is not None for row in started)


def test_completed_rows_carry_the_stored_current_scores(seeded: Store) -> None:
    for row in candidate_overview(seeded, status="completed"):
        assert row.session_id is not None
        stored = {s.competency: s for s in seeded.scores(row.session_id)}
        assert row.t_scores == tuple(stored[c].t_score for c in COMPETENCIES)
        assert row.theta == tuple(stored[c].theta for c in COMPETENCIES)
        assert row.n_items == seeded.count_responses(row.session_id) > 0
        assert row.completed_at is not None
        assert row.model_version == "v0-synthetic"
        record = seeded.load_session(row.session_id)
        assert row.flags == tuple((record.flags or {}).get("raised", []))


def test_rows_without_a_completed_test_have_no_scores(seeded: Store) -> None:
    for row in candidate_overview(seeded, status=["invited", "started", "expired"]):
        assert row.t_scores == (None,) * len(COMPETENCIES)
        assert row.completed_at is None
        assert row.flags == ()
    ivy = candidate_overview(seeded, search="ivy@")[0]
    assert (ivy.status, ivy.language, ivy.n_items) == ("invited", "zh", 0)
    assert candidate_overview(seeded, search="Eli")[0].status == "expired"


def test_a_completed_test_outranks_a_newer_unused_invitation(seeded: Store) -> None:
    done = candidate_overview(seeded, status="completed")[0]
    seeded.create_invitation(done.candidate_id)
    again = candidate_overview(seeded, search=done.candidate_id)
    assert [row.status for row in again] == ["completed"]
    assert again[0].t_scores == done.t_scores


def test_filters_combine_and_search_ignores_case(seeded: Store) -> None:
    rows = candidate_overview(seeded)
    assert {r.candidate_id for r in filter_rows(rows, search="IVY")} == {
        r.candidate_id for r in rows if r.display_name == "Ivy Invited"
    }
    chat = filter_rows(rows, position="Online chat agent")
    assert chat
    assert all(r.position == "Online chat agent" for r in chat)
    both = filter_rows(rows, position="Online chat agent", status="expired")
    assert [r.display_name for r in both] == ["Eli Expired"]
    assert filter_rows(rows, search="demo001@example.invalid")[0].synthetic
    assert filter_rows(rows, flag="too_fast") == [r for r in rows if "too_fast" in r.flags]
    with pytest.raises(ValueError, match="unknown status"):
        filter_rows(rows, status="hired")


def test_sort_by_competency_puts_missing_scores_last(seeded: Store) -> None:
    rows = candidate_overview(seeded)
    ordered = sort_rows(rows, "empathy")
    scores = [r.t_score("empathy") for r in ordered]
    present = [s for s in scores if s is not None]
    assert present == sorted(present, reverse=True)
    assert scores[len(present) :] == [None] * (len(scores) - len(present))
    assert [r.t_score("empathy") for r in sort_rows(rows, "empathy", descending=False)][
        : len(present)
    ] == sorted(present)


def test_invite_candidates_creates_working_links(store: Store) -> None:
    requests = [
        InvitationRequest("Ana Lee", "ana@example.com", "Chat agent"),
        InvitationRequest("Bo Chen", "bo@example.com", None, "zh"),
    ]
    created = invite_candidates(
        store, requests, language="en", form="fixed", days=3, time_limit=30, extra_time=1.5,
        actor="rita",
    )  # fmt: skip
    assert len(created) == 2
    first, second = (store.resolve_token(token) for _, token in created)
    assert (first.language, first.form, first.time_limit_minutes) == ("en", "fixed", 30)
    assert (second.language, second.time_multiplier) == ("zh", 1.5)
    assert store.candidate(created[0][0]).email == "ana@example.com"  # type: ignore[union-attr]
    assert store.audit_entries("invite")[0].actor == "rita"
    assert invitation_link(created[0][1], "https://sjt.example/").endswith(
        f"sjt.example/?token={created[0][1]}"
    )


def test_links_text_gives_a_tab_separated_line_per_new_link() -> None:
    requests = [InvitationRequest("Ana Lee", "ana@example.com"), InvitationRequest("Bo", "b@x.cn")]
    text = links_text([("C1", "tok-1"), ("C2", "tok-2")], requests, "https://sjt.example")
    assert text.splitlines() == [
        "Ana Lee\tana@example.com\thttps://sjt.example/?token=tok-1",
        "Bo\tb@x.cn\thttps://sjt.example/?token=tok-2",
    ]


def test_links_csv_lists_each_new_link_with_neutralised_text() -> None:
    requests = [InvitationRequest("=HYPERLINK(1)", "a@example.com", "-chat", "zh")]
    text = links_csv([("C123", "tok-en")], requests, "https://sjt.example")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["candidate_id", "name", "email", "position", "language", "link"],
        [
            "C123",
            "'=HYPERLINK(1)",
            "a@example.com",
            "'-chat",
            "zh",
            "https://sjt.example/?token=tok-en",
        ],
    ]


def test_invite_candidates_checks_everything_before_writing(store: Store) -> None:
    requests = [InvitationRequest("Ana", "ana@example.com"), InvitationRequest("", "nope")]
    with pytest.raises(AssessmentError, match=r"row 2: name is empty.*extra-time"):
        invite_candidates(store, requests, extra_time=9, actor="rita")
    assert store.count_candidates() == 0


# ------------------------------------------------------------ invitation CSV
def test_csv_with_bom_any_column_order_and_blank_lines_is_read() -> None:
    data = (
        "\ufeffEmail,Name,language,position\r\n"
        "ana@example.com,Ana Lee,zh,Chat agent\r\n"
        "\r\n"
        'bo@example.com,"Chen, Bo",,\r\n'
    ).encode()
    assert parse_invitation_csv(data) == [
        InvitationRequest("Ana Lee", "ana@example.com", "Chat agent", "zh"),
        InvitationRequest("Chen, Bo", "bo@example.com", None, None),
    ]


def test_every_malformed_row_is_reported_with_its_line_number() -> None:
    data = (
        "name,email,position,language\n"
        "Ana,ana@example.com,Chat agent,en\n"
        ",missing-name@example.com,,\n"  # line 3
        "Bo,not-an-email,,\n"  # line 4
        "Cy,cy@example.com,,fr\n"  # line 5
        "Di,di@example.com\n"  # line 6: too few cells
        "Ed,ANA@example.com,,\n"  # line 7: repeats line 2
    )
    with pytest.raises(InvitationFileError) as caught:
        parse_invitation_csv(data)
    problems = caught.value.problems
    assert [re.match(r"line (\d+):", p).group(1) for p in problems] == [  # type: ignore[union-attr]
        "3", "4", "5", "6", "7",
    ]  # fmt: skip
    assert "name is empty" in problems[0]
    assert "not an email address" in problems[1]
    assert "language must be one of en, zh" in problems[2]
    assert "expected 4 cells, found 2" in problems[3]
    assert "also on line 2" in problems[4]
    assert isinstance(caught.value, ValueError)
    assert "5 problems" in str(caught.value)


def test_a_name_or_position_of_invisible_characters_only_is_a_problem_of_its_line() -> None:
    data = "name,email,position\nAna,ana@example.com,\u200b\n\u2060\ufeff,bo@example.com,Chat\n"
    with pytest.raises(InvitationFileError) as caught:
        parse_invitation_csv(data)
    assert caught.value.problems == (
        "line 2: position has only invisible characters; type it again by hand",
        "line 3: name has only invisible characters; type it again by hand",
    )


def test_quoted_field_spanning_lines_keeps_later_line_numbers_right() -> None:
    data = 'name,email\n"Ana\nLee",ana@example.com\nBo,bad\n'
    with pytest.raises(InvitationFileError) as caught:
        parse_invitation_csv(data)
    assert caught.value.problems[0].startswith("line 2:")  # control character in the name
    assert caught.value.problems[1].startswith("line 4:")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: the file is empty"),
        (b"name;email\nAna;ana@example.com\n", "not semicolons"),
        (b"name,phone\n", "unknown column(s) 'phone'"),
        (b"name,position\n", "missing column(s) email"),
        (b"name,email,email\n", "repeated column(s) email"),
        (b"name,email\n", "no candidates"),
        (b"name,email\nZo\xeb,zoe@example.com\n", "line 2: the file is not UTF-8"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvitationFileError, match=re.escape(message)):
        parse_invitation_csv(data)


def test_size_and_row_limits() -> None:
    too_big = b"name,email\n" + b"x" * MAX_CSV_BYTES
    with pytest.raises(InvitationFileError, match="limit is 1,000,000"):
        parse_invitation_csv(too_big)
    rows = "".join(f"C{n},c{n}@example.com\n" for n in range(MAX_CSV_ROWS + 1))
    with pytest.raises(InvitationFileError, match=rf"line {MAX_CSV_ROWS + 2}: more than 2,000"):
        parse_invitation_csv("name,email\n" + rows)
    assert len(parse_invitation_csv("name,email\n" + rows.rsplit("C2000", 1)[0])) == MAX_CSV_ROWS


# -------------------------------------------------------------------- export
@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=cmd()", "'=cmd()"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana-Lee", "Ana-Lee"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise(text: str | None, safe: str) -> None:
    assert neutralise(text) == safe


def test_scores_csv_neutralises_text_but_keeps_numbers_numeric(seeded: Store) -> None:
    hostile = {"=cmd()": "+1", "-1": "@x", "@SUM(A1:A9)": '=HYPERLINK("http://x")'}
    for name, position in hostile.items():
        candidate = seeded.add_candidate(name, "h@example.com", position)
        seeded.create_invitation(candidate)
    rows = candidate_overview(seeded)
    table = list(csv.DictReader(io.StringIO(scores_csv(rows))))
    assert len(table) == len(rows)
    by_name = {row["display_name"]: row for row in table}
    for name, position in hostile.items():
        row = by_name["'" + name]
        assert row["position"] == "'" + position
    for row in table:
        for column, cell in row.items():
            if cell and cell[0] in "=+@\t\r":
                pytest.fail(f"{column} starts with a formula character: {cell!r}")
            if cell.startswith("-"):
                float(cell)  # only numbers we wrote may start with a minus
    completed = [row for row in table if row["status"] == "completed"]
    assert completed
    negative = [row[f"{c}_theta"] for row in completed for c in COMPETENCIES]
    assert any(value.startswith("-") for value in negative)
    assert all(float(row["empathy_t"]) > 0 for row in completed)


def test_scores_csv_follows_the_scores_file_contract_and_the_codebook_explains_it(
    store: Store,
) -> None:
    candidate = store.add_candidate("Ana", "ana@example.com")
    store.create_invitation(candidate)
    header = scores_csv(candidate_overview(store)).splitlines()[0].split(",")
    assert header[0] == "candidate_id"
    expected = [f"{c}_{part}" for c in COMPETENCIES for part in ("theta", "se", "t", "pct")]
    assert header[1 : 1 + len(expected)] == expected
    documented = re.findall(r"^\| `([^`]+)` \| .+ \|$", scores_codebook(), flags=re.MULTILINE)
    assert documented == header
    assert [name for name, _ in score_columns()] == header
    assert "single quote" in scores_codebook()


def test_purged_candidates_stay_listed_and_are_marked(store: Store) -> None:
    candidate = store.add_candidate("Pat Purged", "pat@example.com", "Chat agent")
    store.create_invitation(candidate)
    with store.transaction() as db:
        row = db.get(Candidate, candidate)
        assert row is not None
        row.display_name = row.email = row.position = None
        row.purged_at = utcnow()
    [listed] = candidate_overview(store)
    assert listed.purged
    assert (listed.display_name, listed.email, listed.position) == (None, None, None)


def test_completed_rows_carry_the_posterior_of_the_scores_they_show(seeded: Store) -> None:
    rows = [row for row in candidate_overview(seeded) if row.status == "completed"]
    assert rows
    for row in rows:
        assert row.posterior is not None
        assert row.posterior.model_version_id == row.model_version_id
        covariance = np.array(row.posterior.covariance)
        se = np.array(row.se, dtype=float)
        np.testing.assert_allclose(np.sqrt(np.diag(covariance)), se, rtol=1e-6)
        scores = row.completed_scores()
        assert scores is not None
        assert scores.posterior is row.posterior


def test_a_posterior_kept_by_another_version_is_not_used_for_historic_scores() -> None:
    flags = {
        "posterior": {
            "competencies": list(reversed(COMPETENCIES)),
            "covariance": np.diag([1.0, 2.0, 3.0, 4.0, 5.0]).tolist(),
            "latent_correlation": np.eye(5).tolist(),
            "model_version_id": 7,
        }
    }
    posterior = StoredPosterior.from_flags(flags, COMPETENCIES)
    assert posterior is not None
    assert [posterior.covariance[k][k] for k in range(5)] == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert posterior.model_version_id == 7
    broken = {"posterior": {"competencies": ["empathy"], "covariance": [[1.0]]}}
    assert StoredPosterior.from_flags(broken, COMPETENCIES) is None
    assert StoredPosterior.from_flags(None, COMPETENCIES) is None
    # the profile's rule takes the stored posterior only for the scores it belongs to
    assert posterior_covariance(posterior, 7) == posterior.covariance
    assert posterior_covariance(posterior, 8) is None
