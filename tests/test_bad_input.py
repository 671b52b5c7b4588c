"""Property-based tests: whatever bytes or text arrive, readers answer with a value or their
own error naming where the problem is, never another exception and never a partial output."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from assessment.errors import DataFileError, InvitationError
from assessment.model_document import ModelDocument
from assessment.persistence.store import InvitationInfo, Store
from assessment.psychometrics.data_files import read_model_file, read_response_csv
from cli.main import app
from items import ContentRules, ItemBank, ItemBankError, load_bank
from scoring import ModelParameters
from scoring.norms import NormTable
from tests.conftest import make_item

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Modest, deterministic runs so the suite stays fast and repeatable."""

TINY = ContentRules(balance_rules=False)
runner = CliRunner()
T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def attempt(call: Callable[[], T], expected: type[E]) -> tuple[T | None, E | None]:
    """Run ``call``: its value, or the expected error (any other exception propagates)."""
    try:
        return call(), None
    except expected as error:
        event(f"refused with {expected.__name__}")
        return None, error


# --------------------------------------------------------------------------- item bank
TINY_BANK: dict[str, str] = {
    f"{data['item']['competency']}/{data['item']['id']}.yaml": yaml.safe_dump(
        data, allow_unicode=True
    )
    for data in (
        make_item("SO-901"),
        make_item("EM-901", "empathy", "most_least", scenario="A chat user wrote in anger."),
    )
}
YAMLISH = st.text(alphabet=st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?\n\t  abcAB09é服")))


@st.composite
def broken_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """One bank file replaced by random bytes, random YAML-ish text, or a spliced copy."""
    name = draw(st.sampled_from(sorted(TINY_BANK)))
    original = TINY_BANK[name]
    kind = draw(st.sampled_from(["bytes", "yamlish", "splice", "delete"]))
    if kind == "bytes":
        return name, draw(st.binary(max_size=300))
    if kind == "yamlish":
        return name, draw(YAMLISH).encode("utf-8")
    start = draw(st.integers(0, len(original)))
    if kind == "splice":
        inserted = draw(st.one_of(YAMLISH, st.text(max_size=20)))
        return name, (original[:start] + inserted + original[start:]).encode("utf-8", "replace")
    end = draw(st.integers(start, min(len(original), start + 40)))
    return name, (original[:start] + original[end:]).encode("utf-8")


def write_tiny_bank(root: Path, replaced: tuple[str, bytes] | None = None) -> None:
    for name, content in TINY_BANK.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    if replaced is not None:
        (root / replaced[0]).write_bytes(replaced[1])


def test_the_tiny_bank_loads_unchanged() -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_tiny_bank(Path(folder) / "bank")
        assert len(load_bank(Path(folder) / "bank", TINY)) == 2


@PROPERTY
@given(replaced=broken_file())
def test_bank_loader_loads_or_names_the_file_of_every_problem(
    replaced: tuple[str, bytes],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bank"
        write_tiny_bank(root, replaced)
        bank, error = attempt(lambda: load_bank(root, TINY), ItemBankError)
    if error is not None:
        assert error.problems
        for problem in error.problems:
            assert problem.file in (*TINY_BANK, root.name), problem
            assert problem.field
            assert problem.message
            assert str(problem).startswith(f"{problem.file}: ")
    else:
        event("loaded")
        assert isinstance(bank, ItemBank)
        assert len(bank) == 2


# ----------------------------------------------------------------------- response data
TINY_MODEL: dict[str, Any] = {
    "model": "nrm",
    "dimensions": ["empathy"],
    "items": [
        {
            "item_id": "EM-1",
            "dimension": "empathy",
            "categories": [
                {"code": code, "slope": slope, "intercept": 0.1 * k}
                for k, (code, slope) in enumerate(zip("ABCD", (1.2, 0.4, -0.3, -1.1), strict=True))
            ],
        },
        {
            "item_id": "EM-2",
            "dimension": "empathy",
            "categories": [
                {"code": k, "slope": slope, "intercept": 0.0}
                for k, slope in enumerate((-0.8, 0.1, 0.9))
            ],
        },
    ],
    "norms": {"empathy": NormTable.from_estimates(np.linspace(-2, 2, 101), "test").to_dict()},
    "fit": {"marginal_reliability": {"empathy": 0.8}},
}
SPECS = ModelParameters.from_dict(TINY_MODEL).specs
FILE_LEVEL_PROBLEMS = {"file is empty; a header row is required", "no data rows after the header"}
GOOD_CELLS = {"EM-1": ["A", "B", "C", "D", "0", "3", ""], "EM-2": ["0", "1", "2", ""]}
BAD_CELLS = st.one_of(
    st.sampled_from(["E", "4", "-1", " ", "=1+1", "é", "1.5", "A,B", '"', "\n"]),
    st.text(max_size=6),
)
ODD_COLUMNS = st.sampled_from(["candidate_id", "EM-1", "XX-9", " ", "", "_group", "EM-2 "])


@st.composite
def response_csv(draw: st.DrawFn) -> bytes:
    """Mostly well-formed CSV with some bad cells, rows or columns; or raw text; or bytes."""
    kind = draw(st.sampled_from(["csv", "csv", "csv", "csv", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "text":
        return draw(
            st.text(alphabet=st.sampled_from(list('candidte_EM-12,"\n\r AB\ufeff')))
        ).encode()
    columns = draw(st.permutations(["EM-1", "EM-2", "_group"]))[: draw(st.integers(1, 3))]
    header = ["candidate_id", *columns]
    if draw(st.integers(0, 4)) == 0:  # a wrong or repeated column
        header.insert(draw(st.integers(0, len(header))), draw(ODD_COLUMNS))
    rows = []
    for n in range(draw(st.integers(0, 6))):
        row = [f"C{n}" if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "C0", " "]))]
        for name in header[1:]:
            good = GOOD_CELLS.get(name, ["x", "", "group a"])
            row.append(draw(st.sampled_from(good)) if draw(st.integers(0, 9)) else draw(BAD_CELLS))
        if draw(st.integers(0, 9)) == 0:  # a missing or extra cell
            row = row[:-1] if draw(st.booleans()) else [*row, "extra"]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + out.getvalue()).encode("utf-8")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.json"
    path.write_text(json.dumps(TINY_MODEL), encoding="utf-8")
    return path


def assert_names_lines(error: DataFileError) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.startswith("line ") or problem in FILE_LEVEL_PROBLEMS, problem


@PROPERTY
@given(content=response_csv())
def test_response_reader_returns_data_or_names_a_line(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(content)
        loaded, error = attempt(
            lambda: read_response_csv(path, specs=SPECS, ignore_unknown=True), DataFileError
        )
    if error is not None:
        assert_names_lines(error)
    else:
        event("read")
        assert loaded is not None
        assert loaded.data.n_candidates == len(loaded.candidate_ids) > 0
        assert all(loaded.candidate_ids)


@pytest.mark.parametrize(
    ("content", "line"),
    [(b'candidate_id,Q1\nA1,"B', 2), (b'candidate_id,Q1\nA0,A\nA1,"B\nA2,C\n', 3)],
)
def test_a_quote_never_closed_is_refused_naming_the_line_it_opens(
    tmp_path: Path, content: bytes, line: int
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=f"line {line}: a quoted cell is never closed"):
        read_response_csv(path, specs=SPECS, ignore_unknown=True)


@PROPERTY
@given(content=response_csv())
def test_scoring_bad_data_leaves_no_partial_output(content: bytes, model_path: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data, out = Path(folder) / "data.csv", Path(folder) / "scores.csv"
        data.write_bytes(content)
        result = runner.invoke(
            app, ["score", str(data), "--model", str(model_path), "--out", str(out)]
        )
        event(f"exit {result.exit_code}")
        assert "Traceback" not in result.output
        assert not list(Path(folder).glob("*.tmp"))
        if result.exit_code == 0:
            with out.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert rows
            assert {"candidate_id", "empathy_theta", "empathy_se"} <= set(rows[0])
        else:
            assert result.exit_code == 1, result.output
            assert "error:" in result.output
            assert not out.exists()


# -------------------------------------------------------------------------- model files
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.integers(min_value=10**308, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path (keys and indices) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


ALL_PATHS = [p for p in paths(TINY_MODEL) if p and "quantiles" not in p[:-1]]
FINITE = st.floats(-50, 50, allow_nan=False)


@st.composite
def model_documents(draw: st.DrawFn) -> Any:
    """Random JSON, or the tiny model with one value replaced or removed."""
    if draw(st.integers(0, 3)) == 0:
        return draw(JSON_VALUES)
    document = json.loads(json.dumps(TINY_MODEL))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = document
        change = draw(st.sampled_from(["replace", "remove", "number", "extra key"]))
        try:
            for key in path[:-1]:
                parent = parent[key]
            if change == "remove" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif change == "number":  # often still a valid model
                parent[path[-1]] = draw(FINITE)
            elif change == "extra key" and isinstance(parent, dict):
                parent[draw(st.text(max_size=6))] = draw(JSON_VALUES)
            else:
                parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    return document


@PROPERTY
@given(document=model_documents())
def test_model_reader_returns_a_model_or_a_data_file_error(document: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        model, error = attempt(lambda: read_model_file(path), DataFileError)
    if error is not None:
        assert error.source == str(path)
        assert error.problems
    else:
        event("read")
        assert isinstance(model, ModelDocument)
        assert model.parameters.item_ids


@pytest.mark.parametrize(
    ("where", "value"),
    [
        pytest.param(("norms",), [1], id="norms-not-an-object"),
        pytest.param(("norms",), {"d": 5}, id="norm-table-not-an-object"),
        pytest.param(("items", 0, "standard_errors"), ["x"] * 6, id="non-numeric-standard-errors"),
        pytest.param(
            ("items", 0, "categories", 0, "slope"), 10**400, id="integer-beyond-float-range"
        ),
    ],
)
def test_model_file_edge_cases_are_data_file_errors(
    where: tuple[Any, ...], value: Any, tmp_path: Path
) -> None:
    """Malformed parts that once escaped as other exceptions are now clear DataFileErrors."""
    document = json.loads(json.dumps(TINY_MODEL))
    parent = document
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DataFileError):
        read_model_file(path)


@PROPERTY
@given(content=st.binary(max_size=200))
def test_model_reader_survives_random_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        path.write_bytes(content)
        model, error = attempt(lambda: read_model_file(path), DataFileError)
    assert model is None
    assert error is not None
    assert error.problems


# ------------------------------------------------------------------------------- tokens
@pytest.fixture(scope="module")
def token_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """An SQLite store with one open invitation; yields the store and the token."""
    folder = tmp_path_factory.mktemp("tokens")
    store = Store.open(f"sqlite:///{folder / 'tokens.db'}")
    _, token = store.create_invitation(store.add_candidate("Ada"))
    yield store, token
    store.engine.dispose()


def check_token(store: Store, token: str, valid: str) -> None:
    info, error = attempt(lambda: store.resolve_token(token), InvitationError)
    if error is not None:
        assert error.reason == "unknown"
        assert token != valid
    else:
        assert isinstance(info, InvitationInfo)
        assert token == valid


@PROPERTY
@given(token=st.text(max_size=200))
def test_arbitrary_tokens_resolve_or_are_unknown(
    token_store: tuple[Store, str], token: str
) -> None:
    store, valid = token_store
    check_token(store, token, valid)


@PROPERTY
@given(data=st.data())
def test_tokens_one_edit_away_from_a_real_one_are_unknown(
    token_store: tuple[Store, str], data: st.DataObject
) -> None:
    store, valid = token_store
    position = data.draw(st.integers(0, len(valid)))
    edit = data.draw(st.sampled_from(["replace", "insert", "delete", "case"]))
    char = data.draw(st.characters(codec="ascii", min_codepoint=32))
    if edit == "replace" and position < len(valid):
        token = valid[:position] + char + valid[position + 1 :]
    elif edit == "delete" and position < len(valid):
        token = valid[:position] + valid[position + 1 :]
    elif edit == "case":
        token = valid.swapcase()
    else:
        token = valid[:position] + char + valid[position:]
    check_token(store, token, valid)


def test_valid_token_resolves(token_store: tuple[Store, str]) -> None:
    store, valid = token_store
    assert store.resolve_token(valid).language == "en"


def test_a_token_with_a_lone_surrogate_is_unknown(token_store: tuple[Store, str]) -> None:
    store, _ = token_store
    with pytest.raises(InvitationError) as caught:
        store.resolve_token("\ud800" * 20)
    assert caught.value.reason == "unknown"
