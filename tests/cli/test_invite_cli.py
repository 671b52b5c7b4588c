"""``sjt invite`` for named people and CSV lists, ``sjt settings``, and the public URL."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.persistence.store import Store
from tests.app.conftest import ROOT
from tests.cli.conftest import run
from tests.stores import opened_store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'sjt.db'}"
    monkeypatch.setenv("SJT_DATABASE_URL", url)
    for name in ("SJT_PUBLIC_URL", "SJT_BASE_URL", "STREAMLIT_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with opened_store(url) as opened:
        yield opened


def token_of(line: str) -> str:
    found = re.search(r"\?token=([\w-]+)$", line)
    assert found, line
    return found.group(1)


def test_a_named_person_is_invited_with_name_email_and_language(store: Store) -> None:
    code, output = run(
        "invite", "--name", "Mei-Ling Chen", "--email", "mei@example.com", "--language", "zh",
        "--position", "Chat agent",
    )  # fmt: skip
    assert code == 0, output
    [line] = output.strip().splitlines()
    candidate_id, name, email, link = line.split("\t")
    assert (name, email) == ("Mei-Ling Chen", "mei@example.com")
    assert link.startswith("http://localhost:8501/?token=")
    invitation = store.resolve_token(token_of(link))
    assert (invitation.candidate_id, invitation.language) == (candidate_id, "zh")
    candidate = store.candidate(candidate_id)
    assert candidate is not None
    assert (candidate.display_name, candidate.email, candidate.position) == (
        "Mei-Ling Chen",
        "mei@example.com",
        "Chat agent",
    )


def test_a_csv_list_is_invited_row_by_row(store: Store, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,language\nAnn Lee,ann@example.com,zh\nBo Yang,bo@example.com,\n",
        encoding="utf-8",
    )
    code, output = run("invite", "--csv", people, "--language", "en")
    assert code == 0, output
    lines = output.strip().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["Ann Lee", "Bo Yang"]
    languages = [store.resolve_token(token_of(line)).language for line in lines]
    assert languages == ["zh", "en"]


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (("--name", "Ann"), "--name and --email go together", 2),
        (("--name", "Ann", "--email", "not-an-address"), "is not an email address", 1),
        (("--name", "Ann", "--email", "a@example.com", "--count", "2"), "use one of", 2),
    ],
)
def test_bad_invitations_are_explained_without_a_traceback(
    store: Store, args: tuple[str, ...], message: str, status: int
) -> None:
    """A wrong combination of options is a command-line error (2); a bad value is bad input."""
    code, output = run("invite", *args)
    assert code == status
    assert message in output
    assert "Traceback" not in output
    assert store.count_candidates() == 0


def test_a_bad_csv_row_is_named_by_line(store: Store, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAnn,ann@example.com\n,bo@example.com\n", encoding="utf-8")
    code, output = run("invite", "--csv", people)
    assert code == 1
    assert "line 3: name is empty" in output
    assert store.count_candidates() == 0


def test_anonymous_invitations_still_work(store: Store) -> None:
    code, output = run("invite", "--count", "2")
    assert code == 0, output
    assert len(output.strip().splitlines()) == 2


def test_links_use_the_public_url_setting_then_the_served_port(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMLIT_SERVER_PORT", "8611")
    _, output = run("invite", "--count", "1")
    assert "\thttp://localhost:8611/?token=" in output
    code, output = run("settings", "set", "public_url", "https://jobs.example.com/")
    assert code == 0, output
    _, output = run("invite", "--count", "1")
    assert "\thttps://jobs.example.com/?token=" in output
    monkeypatch.setenv("SJT_PUBLIC_URL", "https://env.example.com")
    _, output = run("invite", "--count", "1")
    assert "\thttps://env.example.com/?token=" in output


def test_settings_are_shown_with_their_source_checked_and_removed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("settings", "set", "employer_name", "Harbour Telecom")[0] == 0
    code, output = run("settings", "set", "retention_months", "0")
    assert code == 1
    assert "retention_months must be a whole number of months from 1 to 120" in output
    monkeypatch.setenv("SJT_PRIVACY_CONTACT", "hr@example.com")
    code, output = run("settings", "show")
    assert code == 0, output
    assert "employer_name\tHarbour Telecom\tsjt settings" in output
    assert "privacy_contact\thr@example.com\tenvironment variable SJT_PRIVACY_CONTACT" in output
    assert "retention_months\t12\tdefault" in output
    assert run("settings", "unset", "employer_name")[1].strip() == "unset employer_name"
    assert store.stored_settings() == {}
    code, output = run("settings", "set", "colour", "blue")
    assert code == 1
    assert "unknown setting 'colour'" in output


def test_purge_defaults_to_the_retention_the_consent_notice_states(store: Store) -> None:
    store.put_setting("retention_months", "3", actor="test")
    code, output = run("purge", "--dry-run")
    assert code == 0, output
    assert "would purge the personal data of 0 candidate(s)" in output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_another_port_gives_links_on_that_port() -> None:
    commands = subprocess.run(
        ["make", "-n", "demo", "run", "PORT=8611"], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=60,
    ).stdout  # fmt: skip
    demo = next(line for line in commands.splitlines() if "sjt demo" in line)
    assert "STREAMLIT_SERVER_PORT=8611" in demo
    serve = next(line for line in commands.splitlines() if "streamlit run" in line)
    assert "--server.port 8611" in serve
