"""Read and write the public file formats of ``interfaces.md``: response data, item maps,
model files and score files.

Every reader collects the problems it finds (up to a limit) and raises one ``DataFileError``
naming the file, line and column of each, so a user can fix a file in one pass.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assessment.errors import MAX_PROBLEMS, DataFileError
from assessment.model_document import ModelDocument
from assessment.persistence.private import open_private
from assessment.psychometrics.number_text import format_rows
from assessment.vocabulary import Form, form_problem
from scoring import MISSING, ItemSpec, ModelParameters, ResponseMatrix, ScoringError, ThetaEstimate
from scoring.norms import NormTable

CANDIDATE_COLUMN = "candidate_id"


@dataclass(frozen=True)
class ResponseFile:
    """A response data file: candidate ids, the response matrix and carried-along columns."""

    candidate_ids: tuple[str, ...]
    data: ResponseMatrix
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Warnings about the file that are not errors (inferred category counts, empty items)."""
    lines: tuple[int, ...] = ()
    """The file's line number of each row (blank lines are skipped), for messages."""


FORM_COLUMN = "_form"
"""Optional column of a response file: the form (``adaptive`` or ``fixed``) each respondent
took. Re-norming reads it (``response_forms``) to put each respondent in their form's norm
sample, and ``sjt score`` to compare each respondent with their form's norm tables
(``form_norm_tables``); every other reader carries it along like any ``_`` column."""


def response_forms(loaded: ResponseFile, source: str) -> tuple[Form | None, ...] | None:
    """The form each respondent of ``loaded`` took, from its ``_form`` column (None without
    the column; None for an empty cell: not known).

    Raises ``DataFileError`` naming the line and respondent of every cell that is neither
    ``adaptive`` nor ``fixed``: a misspelt form would silently put a respondent in the wrong
    norm group.
    """
    column = loaded.extra.get(FORM_COLUMN)
    if column is None:
        return None
    lines = loaded.lines or (None,) * len(column)
    problems = [
        ("" if line is None else f"line {line}, ")
        + f"candidate {candidate_id!r}, column {FORM_COLUMN!r}: {problem}"
        for line, candidate_id, value in zip(lines, loaded.candidate_ids, column, strict=True)
        if value and (problem := form_problem(value))
    ]
    if problems:
        raise DataFileError(source, problems)
    return tuple(value or None for value in column)  # type: ignore[misc]


SYNTHETIC_COLUMN = "_synthetic"
"""Optional column of a response file: ``true`` for a synthetic respondent (``sjt simulate``,
a demo candidate in ``sjt responses``), ``false`` or empty for a real one. ``sjt calibrate``
counts them (``synthetic_rows``) so that a model of synthetic people says so."""
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


def synthetic_rows(loaded: ResponseFile, source: str) -> int:
    """How many respondents of ``loaded`` its ``_synthetic`` column marks synthetic (0 without
    the column). Raises ``DataFileError`` naming the line of a value other than true/false."""
    column = loaded.extra.get(SYNTHETIC_COLUMN)
    if column is None:
        return 0
    lines = loaded.lines or (None,) * len(column)
    problems = [
        ("" if line is None else f"line {line}, ")
        + f"column {SYNTHETIC_COLUMN!r}: must be true or false, got {value[:20]!r}"
        for line, value in zip(lines, column, strict=True)
        if value.casefold() not in _TRUE + _FALSE
    ]
    if problems:
        raise DataFileError(source, problems)
    return sum(value.casefold() in _TRUE for value in column)


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(source, ["file not found"]) from None
    except OSError as error:
        raise DataFileError(source, [f"cannot be read: {error.strerror}"]) from None


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataFileError(
            source, [f"line {line}: not valid UTF-8 (byte {error.start}); save as UTF-8"]
        ) from None


def _read_text(path: Path, source: str | None = None) -> str:
    source = source or str(path)
    return _decode(_read_bytes(path, source), source)


def read_csv_rows(
    path: Path, source: str | None = None, text: str | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows (with their line numbers) of a CSV file; blank lines skipped."""
    source = source or str(path)
    text = _read_text(path, source) if text is None else text
    if not text.strip():
        raise DataFileError(source, ["file is empty; a header row is required"])
    # strict: a quote never closed swallows the rest of the file into one cell, silently
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1  # the line the row being read starts on
    try:
        header = [name.strip() for name in next(reader)]
        rows = []
        start = reader.line_num + 1
        for row in reader:
            if row and (row[0].strip() or any(cell.strip() for cell in row)):
                rows.append((reader.line_num, row))
            start = reader.line_num + 1
    except csv.Error as error:
        problem = (
            f"line {start}: a quoted cell is never closed (a '\"' without its closing '\"'); "
            "close the quote or remove it"
            if "unexpected end of data" in str(error)
            else f"line {reader.line_num}: CSV syntax error: {error}"
        )
        raise DataFileError(source, [problem]) from None
    return header, rows


def read_item_map(path: str | Path) -> dict[str, str]:
    """Read ``MAP.csv`` (columns ``item_id,dimension``) into item id → dimension."""
    return {item_id: dimension for item_id, (dimension, _) in read_item_map_entries(path).items()}


def read_item_map_entries(path: str | Path) -> dict[str, tuple[str, int | None]]:
    """Read ``MAP.csv`` into item id → (dimension, number of categories or None).

    The optional column ``categories`` declares how many categories an item has (codes
    ``0..categories-1``); an empty cell leaves it to the bank.
    """
    path = Path(path)
    header, rows = read_csv_rows(path)
    if header[:2] != ["item_id", "dimension"]:
        raise DataFileError(
            str(path), [f"line 1: header must start with item_id,dimension; got {header}"]
        )
    column = header.index("categories") if "categories" in header else None
    problems: list[str] = []
    mapping: dict[str, tuple[str, int | None]] = {}
    for line, row in rows:
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            problems.append(f"line {line}: needs a non-empty item_id and dimension")
            continue
        item_id, dimension = row[0].strip(), row[1].strip()
        if item_id in mapping:
            problems.append(f"line {line}: item {item_id!r} is listed twice")
        n_categories: int | None = None
        cell = row[column].strip() if column is not None and column < len(row) else ""
        if cell:
            try:
                n_categories = int(cell)
            except ValueError:
                n_categories = 0
            if n_categories < 2:
                problems.append(
                    f"line {line}: categories of item {item_id!r} must be a whole number of at "
                    f"least 2, got {cell!r}"
                )
        mapping[item_id] = (dimension, n_categories)
    if not mapping and not problems:
        problems.append("no items listed")
    if problems:
        raise DataFileError(str(path), problems)
    return mapping


def read_response_csv(
    path: str | Path,
    specs: Sequence[ItemSpec] | None = None,
    item_map: Mapping[str, str] | None = None,
    dimensions: Sequence[str] | None = None,
    ignore_unknown: bool = False,
    source: str | None = None,
    categories: Mapping[str, int] | None = None,
    unknown_columns_hint: str | None = None,
    option_ids: Mapping[str, Sequence[str]] | None = None,
) -> ResponseFile:
    """Read ``DATA.csv`` against bank/model items (``specs``) or an external ``item_map``.

    Cells hold an option id from the item's codes or an integer category code ``0..K-1``;
    empty cells are missing by design. With ``item_map`` cells must be integer codes; the
    number of categories of an item is taken from ``categories`` (the item map's
    ``categories`` column, or the bank), so a category nobody chose is still a category.
    Only for an item with no declared count is it inferred as the highest observed code + 1,
    with a note in ``ResponseFile.notes`` (an unused top category would go unnoticed).
    ``unknown_columns_hint`` replaces the command-line advice given for unknown item columns,
    so that a page can phrase it for its own users. ``option_ids`` gives, for items whose
    codes are integers (a model file's), the bank's option ids in code order, so that a cell
    may also hold the option id (``B`` for code 1).
    """
    path = Path(path)
    source = source or str(path)
    if (specs is None) == (item_map is None):
        raise ValueError("give exactly one of specs or item_map")
    raw = _read_bytes(path, source)
    text = _decode(raw, source)
    simple = _simple_table(raw)
    if simple is not None:
        header, lines, columns = simple
        rows: list[tuple[int, list[str]]] = []
    else:
        header, rows = read_csv_rows(path, source, text)
    problems: list[str] = []
    notes: list[str] = []
    if not header or header[0] != CANDIDATE_COLUMN:
        raise DataFileError(source, [_first_column_problem(header)])
    seen_names: set[str] = set()
    for name in header:
        if name in seen_names:
            problems.append(f"line 1: column {name!r} appears twice")
        seen_names.add(name)
    extra_names = [name for name in header[1:] if name.startswith("_")]
    item_names = [name for name in header[1:] if not name.startswith("_")]
    spec_by_id = {spec.item_id: spec for spec in specs} if specs is not None else {}
    dimension_by_id = dict(item_map or {})
    known = set(spec_by_id) if specs is not None else set(dimension_by_id)
    unknown = [name for name in item_names if name not in known]
    problems += _whole_most_least_columns(unknown, known)
    if unknown and not ignore_unknown:
        unknown = [name for name in unknown if not _is_whole_most_least(name, known)]
    if unknown and not ignore_unknown:
        hint = unknown_columns_hint or (
            "columns must be item ids of the bank or model (most/least items as <id>.most and "
            "<id>.least); use --item-map MAP.csv for external data, or prefix extra columns "
            "with '_'"
        )
        problems.append(f"line 1: unknown item column(s) {unknown[:10]}: {hint}")
    item_names = [name for name in item_names if name in known]
    if not item_names:
        strangers = [name for name in header[1:] if not name.startswith("_") and name]
        problems.append(
            "line 1: no item columns found"
            + (
                f": {strangers[:10]} are not item ids of the bank or model (a typo?); columns "
                "must be item ids (most/least items as <id>.most and <id>.least), extra "
                "columns start with '_'"
                if strangers
                else ""
            )
        )
    if problems:
        raise DataFileError(source, problems)
    index = {name: position for position, name in enumerate(header)}
    if simple is None:
        for line, row in rows:
            if len(row) != len(header):
                problems.append(
                    f"line {line}: {len(row)} cells but the header has {len(header)} columns"
                )
        good = [(line, row) for line, row in rows if len(row) == len(header)]
        lines = [line for line, _ in good]
        columns = [list(column) for column in zip(*(row for _, row in good), strict=True)]
    candidate_ids = [cell.strip() for cell in columns[0]] if columns else []
    if len(set(candidate_ids)) < len(candidate_ids) or not all(candidate_ids):
        problems += _candidate_id_problems(lines, candidate_ids)
    extra = {
        name: [cell.strip() for cell in columns[index[name]]] if columns else []
        for name in extra_names
    }
    cells = np.full((len(lines), len(item_names)), MISSING, dtype=np.int64)
    cell_problems: list[tuple[int, str]] = []
    for c, name in enumerate(item_names):
        if not columns or len(cell_problems) > 10 * MAX_PROBLEMS:
            break
        column = columns[index[name]]
        codes: dict[str, int] = {}
        bad: dict[str, str] = {}
        for cell_text in _distinct_texts(column):
            cell = cell_text.strip()  # each distinct cell text is checked once
            if not cell:
                codes[cell_text] = MISSING
                continue
            if specs is not None:
                value, problem = _spec_cell(cell, spec_by_id[name], (option_ids or {}).get(name))
            else:
                value, problem = _integer_cell(cell)
            if problem:
                bad[cell_text] = problem
            codes[cell_text] = value
        if isinstance(column, np.ndarray):  # single-byte cells: one lookup table
            table = np.full(256, MISSING, dtype=np.int64)
            for cell_text, code in codes.items():
                table[ord(cell_text) if cell_text else 0] = code
            cells[:, c] = table[column]
            texts: Sequence[str] = [chr(b) if b else "" for b in column.tolist()] if bad else ()
        else:
            cells[:, c] = np.fromiter(map(codes.__getitem__, column), np.int64, len(column))
            texts = column
        if bad:
            cell_problems += [
                (line, f"line {line}, column {name!r}: {bad[cell_text]}")
                for line, cell_text in zip(lines, texts, strict=True)
                if cell_text in bad
            ]
    problems += [text for _, text in sorted(cell_problems, key=lambda entry: entry[0])]
    if not lines and not rows:
        problems.append("no data rows after the header")
    if problems:
        raise DataFileError(source, problems)
    if specs is not None:
        item_specs = tuple(spec_by_id[name] for name in item_names)
    else:
        declared = dict(categories or {})
        item_specs = tuple(
            _external_spec(name, dimension_by_id[name], cells[:, c], declared.get(name), problems)
            for c, name in enumerate(item_names)
        )
        if problems:
            raise DataFileError(source, problems)
        inferred = [name for name in item_names if name not in declared]
        if inferred:
            notes.append(
                f"the number of categories of {len(inferred)} item(s) (e.g. {inferred[:5]}) "
                "was inferred from the highest observed code; declare it in a 'categories' "
                "column of the item map so that an unused top category is not lost"
            )
    used = {spec.dimension for spec in item_specs}
    order = (
        list(dimensions)
        if dimensions is not None
        else list(dict.fromkeys(spec.dimension for spec in item_specs))
    )
    dims = tuple(d for d in order if d in used)
    try:
        matrix = ResponseMatrix(cells, item_specs, dims)
    except ScoringError as error:
        raise DataFileError(source, [str(error)]) from None
    return ResponseFile(
        tuple(candidate_ids),
        matrix,
        {name: tuple(values) for name, values in extra.items()},
        tuple(unknown),
        tuple(notes),
        tuple(lines),
    )


def check_most_least_pairs(loaded: ResponseFile, source: str) -> None:
    """Raise ``DataFileError`` at the first row where a most_least item's two picks cannot be
    one answer (one pick missing, or the same option picked as most and as least): the
    answers ``sjt calibrate`` refuses when it joins the parts, found when the file is read."""
    from items.scoring_map import join_most_least  # not at import: items loads the bank

    try:
        join_most_least(loaded.data, loaded.candidate_ids)
    except ScoringError as error:
        raise DataFileError(source, [str(error)]) from None


OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
"""Separators spreadsheets use instead of the comma (``;`` where the comma is the decimal mark)."""


def _first_column_problem(header: Sequence[str]) -> str:
    """Why ``header`` does not start with ``candidate_id``, in one short line: a file separated
    by another character than the comma is named as such (its whole header is one column)."""
    first = header[0] if header else ""
    if len(header) == 1:
        for separator, name in OTHER_SEPARATORS.items():
            if first.split(separator)[0].strip() == CANDIDATE_COLUMN:
                return (
                    f"line 1: the columns are separated by {name} ({separator!r}), not by commas; "
                    "save the file as comma-separated CSV (in Excel: CSV UTF-8)"
                )
    shown = first if len(first) <= 40 else first[:40] + "…"
    return f"line 1: the first column must be {CANDIDATE_COLUMN!r}, got {shown!r}"


def _is_whole_most_least(name: str, known: Collection[str]) -> bool:
    """Whether ``name`` is a most_least item's own id (its parts ``.most``/``.least`` known)."""
    from items.formats import LEAST_SUFFIX, MOST_SUFFIX  # not at import: items loads the bank

    return f"{name}{MOST_SUFFIX}" in known and f"{name}{LEAST_SUFFIX}" in known


def _whole_most_least_columns(unknown: Sequence[str], known: Collection[str]) -> list[str]:
    """A problem for each column named by a most_least item's own id, saying where its
    answers go: one column cannot hold the two picks of the item."""
    return [
        f"line 1: column {name!r} is a most_least item, whose answer is two picks: put the "
        f"option picked as most effective in a column '{name}.most' and the one picked as "
        f"least effective in '{name}.least'"
        for name in unknown
        if _is_whole_most_least(name, known)
    ]


def _candidate_id_problems(lines: Sequence[int], candidate_ids: Sequence[str]) -> list[str]:
    """Empty and repeated candidate ids, each named with its line."""
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    for line, candidate in zip(lines, candidate_ids, strict=True):
        if not candidate:
            problems.append(f"line {line}: candidate_id is empty")
        elif candidate in seen_ids:
            problems.append(
                f"line {line}: candidate_id {candidate!r} repeats line {seen_ids[candidate]}"
            )
        seen_ids.setdefault(candidate, line)
    return problems


def _distinct_texts(column: Sequence[str] | np.ndarray) -> set[str]:
    """The distinct texts of a column: for single-byte columns, from the bytes present."""
    if isinstance(column, np.ndarray):
        return {chr(b) if b else "" for b in np.unique(column).tolist()}
    return set(column)


def _simple_table(
    raw: bytes,
) -> tuple[list[str], list[int], list[list[str] | np.ndarray]] | None:
    """Header, line numbers and columns of a CSV file in the common simple form, or None.

    Simple means: no quotes, no blank lines, every row with as many cells as the header, and
    every cell of an item column (a column not named ``candidate_id`` or ``_…``) empty or one
    ASCII character, such as an option id or a code 0–9. Such a file is split with vectorised
    byte operations; item columns come back as arrays of byte values (0 for empty) and the
    other columns as strings. Anything else (and every error) goes through the csv module.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b'"' in raw:
        return None
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
        if b"\r" in raw:
            return None
    raw = raw.rstrip(b"\n") + b"\n"
    end = raw.find(b"\n")
    try:
        header = [name.strip() for name in raw[:end].decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    body = np.frombuffer(raw, dtype=np.uint8)[end + 1 :]
    if body.size == 0 or b"\n\n" in raw:
        return None
    n_columns = len(header)
    found = np.flatnonzero((body == 44) | (body == 10))
    if found.size % n_columns:
        return None
    delimiters = found.reshape(-1, n_columns)
    if np.any(body[delimiters[:, -1]] != 10) or np.any(body[delimiters[:, :-1]] != 44):
        return None
    starts = np.empty_like(delimiters)
    starts.reshape(-1)[0] = 0
    starts.reshape(-1)[1:] = delimiters.reshape(-1)[:-1] + 1
    lengths = delimiters - starts
    text_columns = [
        c for c, name in enumerate(header) if c == 0 or name.startswith("_") or not name
    ]
    item_columns = [c for c in range(n_columns) if c not in text_columns]
    if item_columns and lengths[:, item_columns].max() > 1:
        return None
    columns: list[list[str] | np.ndarray] = []
    data = bytes(body)
    item_bytes = np.where(lengths[:, item_columns] == 1, body[starts[:, item_columns]], 0)
    if np.any(item_bytes >= 128):
        return None
    by_column = dict(zip(item_columns, item_bytes.astype(np.uint8).T, strict=True))
    for c in range(n_columns):
        if c in by_column:
            columns.append(by_column[c])
        else:
            try:
                columns.append(
                    [
                        data[a:b].decode("utf-8")
                        for a, b in zip(
                            starts[:, c].tolist(), delimiters[:, c].tolist(), strict=True
                        )
                    ]
                )
            except UnicodeDecodeError:
                return None
    if any(not candidate.strip() for candidate in columns[0]):
        return None  # blank rows are skipped and empty ids reported by the csv route
    lines = list(range(2, delimiters.shape[0] + 2))
    return header, lines, columns


def _spec_cell(
    cell: str, spec: ItemSpec, option_ids: Sequence[str] | None = None
) -> tuple[int, str | None]:
    if cell in spec.codes:
        return spec.codes.index(cell), None
    if option_ids is not None and cell in option_ids:
        return list(option_ids).index(cell), None
    try:
        code = int(cell)
    except ValueError:
        allowed = ", ".join(str(code) for code in (*(option_ids or ()), *spec.codes))
        return MISSING, f"{cell!r} is not one of {allowed} or an integer code"
    if code in spec.codes:
        return spec.codes.index(code), None
    if all(isinstance(c, str) for c in spec.codes) and 0 <= code < spec.n_categories:
        return code, None
    return MISSING, f"code {code} is outside 0..{spec.n_categories - 1}"


def _integer_cell(cell: str) -> tuple[int, str | None]:
    try:
        code = int(cell)
    except ValueError:
        return MISSING, f"{cell!r} is not an integer code (external data must be coded 0..K-1)"
    if code < 0:
        return MISSING, f"code {code} is negative (leave the cell empty for a missing response)"
    return code, None


def _external_spec(
    name: str,
    dimension: str,
    column: np.ndarray,
    declared: int | None,
    problems: list[str],
) -> ItemSpec:
    observed = column[column >= 0]
    top = int(observed.max()) if observed.size else 0
    if declared is not None:
        n_categories = declared
        if top >= declared:
            problems.append(
                f"column {name!r}: code {top} is outside 0..{declared - 1} (the item map "
                f"declares {declared} categories)"
            )
    else:
        n_categories = max(top + 1, 2)
    codes = tuple(range(n_categories))
    return ItemSpec(name, dimension, codes, tuple(float(c) for c in codes))


def align_to_model(data: ResponseMatrix, model: ModelParameters) -> ResponseMatrix:
    """Reorder columns to the model's items; items missing from the data are missing cells."""
    position = {item_id: j for j, item_id in enumerate(data.item_ids)}
    source = np.array([position.get(item.item_id, -1) for item in model.items], dtype=np.int64)
    out = data.responses[:, np.maximum(source, 0)] if source.size else data.responses[:, :0]
    out = np.where(source >= 0, out, MISSING)
    return ResponseMatrix(out, model.specs, model.dimensions)


# ------------------------------------------------------------------------------ model files
def read_model_file(path: str | Path) -> ModelDocument:
    """Read and validate ``MODEL.json``; problems name the file, item and field."""
    path = Path(path)
    return ModelDocument.from_json(_read_text(path), source=str(path))


def write_model_file(path: str | Path, document: ModelDocument) -> None:
    """Write a model document's canonical JSON atomically."""
    _write_text(Path(path), document.to_json())


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write JSON atomically (temporary file, then rename) so no half-written file remains.

    Like every output of ``sjt``, the file is readable by its owner only (mode 0600).
    """
    _write_text(Path(path), json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open_private(temporary, "w") as handle:
        handle.write(text)
    temporary.replace(path)


def write_csv(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV atomically, readable by its owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open_private(temporary, "w") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    temporary.replace(path)


def form_norm_tables(
    document: ModelDocument, forms: Sequence[Form | None] | None
) -> list[Mapping[str, NormTable]] | None:
    """The norm tables each respondent is compared with: those of their form
    (``ModelDocument.form_reference``, as the database scores a session of that form), the
    file's ``norms`` for a respondent whose form is not known; None without forms."""
    if forms is None:
        return None
    by_form = {
        form: document.form_reference(form, document.dimensions).tables
        for form in set(forms)
        if form is not None
    }
    main = document.norm_tables
    return [main if form is None else by_form[form] for form in forms]


def write_scores_csv(
    path: str | Path,
    candidate_ids: Sequence[str],
    estimate: ThetaEstimate,
    norms: Mapping[str, NormTable] | None = None,
    extra: Mapping[str, Sequence[str]] | None = None,
    row_norms: Sequence[Mapping[str, NormTable]] | None = None,
) -> None:
    """Write ``SCORES.csv``: candidate_id, per dimension theta, se (and t, pct with norms).

    ``row_norms`` (one mapping per respondent, ``form_norm_tables``) replaces ``norms`` when
    respondents are compared with different tables; a respondent whose tables lack a
    dimension others have gets empty cells for it.
    """
    tables_of_row = list(row_norms) if row_norms is not None else None
    norms = norms or {}
    if tables_of_row is not None:
        norms = {k: v for tables in tables_of_row for k, v in tables.items()}
    header = [CANDIDATE_COLUMN]
    for dimension in estimate.dimensions:
        header += [f"{dimension}_theta", f"{dimension}_se"]
        if dimension in norms:
            header += [f"{dimension}_t", f"{dimension}_pct"]
    header += [f"{dimension}_n_items" for dimension in estimate.dimensions]
    header += list(extra or {})
    values: list[np.ndarray] = []
    decimals: list[int] = []
    for d, dimension in enumerate(estimate.dimensions):
        theta, se = estimate.theta[:, d], estimate.se[:, d]
        values += [theta, se]
        decimals += [6, 6]
        if dimension in norms and tables_of_row is not None:
            values += _normed_by_row(theta, dimension, tables_of_row)
            decimals += [2, 1]
        elif dimension in norms:
            table = norms[dimension]
            values += [np.asarray(table.t_score(theta)), np.asarray(table.percentile(theta))]
            decimals += [2, 1]
    values += [estimate.n_answered[:, d] for d in range(len(estimate.dimensions))]
    decimals += [0] * len(estimate.dimensions)
    matrix = np.column_stack(values) if values else np.zeros((len(candidate_ids), 0))
    numbers = format_rows(matrix, decimals)
    columns = [_csv_column(candidate_ids), numbers]
    columns += [_csv_column(column) for column in (extra or {}).values()]
    lines = list(map(",".join, zip(*columns, strict=True)))
    write_text(path, ",".join(_csv_field(name) for name in header) + "\n", lines)


def _normed_by_row(
    theta: np.ndarray, dimension: str, tables_of_row: Sequence[Mapping[str, NormTable]]
) -> list[np.ndarray]:
    """T-scores and percentiles of ``theta`` (shape (n_candidates,)), each row by its own
    tables (NaN where they lack ``dimension``): one pass per distinct table."""
    t_scores = np.full(theta.shape, np.nan)
    percentiles = np.full(theta.shape, np.nan)
    groups: dict[int, list[int]] = {}
    for row, tables in enumerate(tables_of_row):
        if dimension in tables:
            groups.setdefault(id(tables[dimension]), []).append(row)
    for rows in groups.values():
        table = tables_of_row[rows[0]][dimension]
        t_scores[rows] = table.t_score(theta[rows])
        percentiles[rows] = table.percentile(theta[rows])
    return [t_scores, percentiles]


def _csv_column(texts: Sequence[str]) -> Sequence[str]:
    """A column's fields as ``csv.writer`` writes them; as given when none needs quotes (one
    search over the whole column instead of one per field)."""
    joined = "".join(texts)
    if not any(ch in joined for ch in ',"\r\n'):
        return texts
    return [_csv_field(text) for text in texts]


def _csv_field(text: str) -> str:
    """A CSV field as ``csv.writer`` writes it (quoted only when it must be)."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_text(path: str | Path, header: str, lines: Sequence[str]) -> None:
    """Write ``header`` and one line per entry of ``lines`` atomically (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header.replace("\n", "\r\n"))
        handle.write("\r\n".join(lines) + ("\r\n" if lines else ""))
    temporary.replace(path)


def write_response_csv(
    path: str | Path,
    candidate_ids: Sequence[str],
    data: ResponseMatrix,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write ``DATA.csv`` with each response as its category code (empty when missing), then
    the ``extra`` columns."""
    _write_text(Path(path), response_csv_text(candidate_ids, data, extra))


def response_csv_text(
    candidate_ids: Sequence[str],
    data: ResponseMatrix,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The text of ``DATA.csv``: ``candidate_id``, then one column per item of ``data`` holding
    each response as its category code (an option id for bank items), empty when missing,
    then the ``extra`` columns (names starting with ``_``, one value per candidate)."""
    extra = dict(extra or {})
    for name, values in extra.items():
        if not name.startswith("_") or len(values) != len(candidate_ids):
            raise ValueError(f"extra column {name!r} needs a leading _ and one value per row")
    codes = [spec.codes for spec in data.items]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([CANDIDATE_COLUMN, *data.item_ids, *extra])
    writer.writerows(
        [candidate]
        + ["" if value < 0 else str(codes[j][value]) for j, value in enumerate(row)]
        + [values[n] for values in extra.values()]
        for n, (candidate, row) in enumerate(
            zip(candidate_ids, data.responses.tolist(), strict=True)
        )
    )
    return buffer.getvalue()
