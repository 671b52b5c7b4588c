"""Read and write the public file formats of ``interfaces.md``: response data, item maps,
model files and score files.

Every reader collects the problems it finds (up to a limit) and raises one ``DataFileError``
naming the file, line and column of each, so a user can fix a file in one pass.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assessment.errors import MAX_PROBLEMS, DataFileError
from assessment.model_document import ModelDocument
from assessment.persistence.private import open_private
from scoring import MISSING, ItemSpec, ResponseMatrix, ScoringError, ThetaEstimate
from scoring.norms import NormTable

CANDIDATE_COLUMN = "candidate_id"


@dataclass(frozen=True)
class ResponseFile:
    """A response data file: candidate ids, the response matrix and carried-along columns."""

    candidate_ids: tuple[str, ...]
    data: ResponseMatrix
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()


def _read_text(path: Path, source: str | None = None) -> str:
    source = source or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(source, ["file not found"]) from None
    except OSError as error:
        raise DataFileError(source, [f"cannot be read: {error.strerror}"]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataFileError(
            source, [f"line {line}: not valid UTF-8 (byte {error.start}); save as UTF-8"]
        ) from None


def read_csv_rows(
    path: Path, source: str | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows (with their line numbers) of a CSV file; blank lines skipped."""
    source = source or str(path)
    text = _read_text(path, source)
    if not text.strip():
        raise DataFileError(source, ["file is empty; a header row is required"])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
        rows = []
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as error:
        raise DataFileError(
            source, [f"line {reader.line_num}: CSV syntax error: {error}"]
        ) from None
    return header, rows


def read_item_map(path: str | Path) -> dict[str, str]:
    """Read ``MAP.csv`` (columns ``item_id,dimension``) into item id → dimension."""
    path = Path(path)
    header, rows = read_csv_rows(path)
    if header[:2] != ["item_id", "dimension"]:
        raise DataFileError(
            str(path), [f"line 1: header must start with item_id,dimension; got {header}"]
        )
    problems: list[str] = []
    mapping: dict[str, str] = {}
    for line, row in rows:
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            problems.append(f"line {line}: needs a non-empty item_id and dimension")
            continue
        item_id, dimension = row[0].strip(), row[1].strip()
        if item_id in mapping:
            problems.append(f"line {line}: item {item_id!r} is listed twice")
        mapping[item_id] = dimension
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
    unknown_columns_hint: str | None = None,
) -> ResponseFile:
    """Read ``DATA.csv`` against bank/model items (``specs``) or an external ``item_map``.

    Cells hold an option id from the item's codes or an integer category code ``0..K-1``;
    empty cells are missing by design. With ``item_map`` cells must be integer codes and the
    number of categories of an item is its highest observed code + 1.
    ``unknown_columns_hint`` replaces the command-line advice given for unknown item columns,
    so that a page can phrase it for its own users.
    """
    path = Path(path)
    source = source or str(path)
    if (specs is None) == (item_map is None):
        raise ValueError("give exactly one of specs or item_map")
    header, rows = read_csv_rows(path, source)
    problems: list[str] = []
    if not header or header[0] != CANDIDATE_COLUMN:
        raise DataFileError(
            source, [f"line 1: the first column must be {CANDIDATE_COLUMN!r}, got {header[:1]}"]
        )
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
    if unknown and not ignore_unknown:
        hint = unknown_columns_hint or (
            "columns must be item ids of the bank or model (most/least items as <id>.most and "
            "<id>.least); use --item-map MAP.csv for external data, or prefix extra columns "
            "with '_'"
        )
        problems.append(f"line 1: unknown item column(s) {unknown[:10]}: {hint}")
    item_names = [name for name in item_names if name in known]
    if not item_names:
        problems.append("line 1: no item columns found")
    if problems:
        raise DataFileError(source, problems)
    index = {name: position for position, name in enumerate(header)}
    candidate_ids: list[str] = []
    seen_ids: dict[str, int] = {}
    cells = np.full((len(rows), len(item_names)), MISSING, dtype=np.int64)
    extra: dict[str, list[str]] = {name: [] for name in extra_names}
    for r, (line, row) in enumerate(rows):
        if len(row) != len(header):
            problems.append(
                f"line {line}: {len(row)} cells but the header has {len(header)} columns"
            )
            continue
        candidate = row[0].strip()
        if not candidate:
            problems.append(f"line {line}: candidate_id is empty")
        elif candidate in seen_ids:
            problems.append(
                f"line {line}: candidate_id {candidate!r} repeats line {seen_ids[candidate]}"
            )
        seen_ids.setdefault(candidate, line)
        candidate_ids.append(candidate)
        for name in extra_names:
            extra[name].append(row[index[name]].strip())
        for c, name in enumerate(item_names):
            cell = row[index[name]].strip()
            if not cell:
                continue
            if specs is not None:
                value, problem = _spec_cell(cell, spec_by_id[name])
            else:
                value, problem = _integer_cell(cell)
            if problem:
                problems.append(f"line {line}, column {name!r}: {problem}")
            else:
                cells[r, c] = value
        if len(problems) > 10 * MAX_PROBLEMS:
            break
    if not rows:
        problems.append("no data rows after the header")
    if problems:
        raise DataFileError(source, problems)
    if specs is not None:
        item_specs = tuple(spec_by_id[name] for name in item_names)
    else:
        item_specs = tuple(
            _external_spec(name, dimension_by_id[name], cells[:, c], source, problems)
            for c, name in enumerate(item_names)
        )
        if problems:
            raise DataFileError(source, problems)
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
    )


def _spec_cell(cell: str, spec: ItemSpec) -> tuple[int, str | None]:
    if cell in spec.codes:
        return spec.codes.index(cell), None
    try:
        code = int(cell)
    except ValueError:
        allowed = ", ".join(str(code) for code in spec.codes)
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
    name: str, dimension: str, column: np.ndarray, source: str, problems: list[str]
) -> ItemSpec:
    observed = column[column >= 0]
    top = int(observed.max()) if observed.size else 0
    if observed.size == 0:
        problems.append(f"column {name!r}: no responses")
    elif top < 1:
        problems.append(f"column {name!r}: only code 0 occurs; an item needs at least 2 categories")
    n_categories = max(top + 1, 2)
    codes = tuple(range(n_categories))
    return ItemSpec(name, dimension, codes, tuple(float(c) for c in codes))


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


def _number(value: float, digits: int = 6) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def write_scores_csv(
    path: str | Path,
    candidate_ids: Sequence[str],
    estimate: ThetaEstimate,
    norms: Mapping[str, NormTable] | None = None,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write ``SCORES.csv``: candidate_id, per dimension theta, se (and t, pct with norms)."""
    norms = norms or {}
    header = [CANDIDATE_COLUMN]
    for dimension in estimate.dimensions:
        header += [f"{dimension}_theta", f"{dimension}_se"]
        if dimension in norms:
            header += [f"{dimension}_t", f"{dimension}_pct"]
    header += [f"{dimension}_n_items" for dimension in estimate.dimensions]
    header += list(extra or {})
    rows = []
    for n, candidate in enumerate(candidate_ids):
        row: list[str] = [candidate]
        for d, dimension in enumerate(estimate.dimensions):
            theta, se = float(estimate.theta[n, d]), float(estimate.se[n, d])
            row += [_number(theta), _number(se)]
            if dimension in norms:
                table = norms[dimension]
                row += [
                    _number(float(table.t_score(theta)), 2),
                    _number(float(table.percentile(theta)), 1),
                ]
        row += [str(int(v)) for v in estimate.n_answered[n]]
        row += [values[n] for values in (extra or {}).values()]
        rows.append(row)
    write_csv(path, header, rows)


def write_response_csv(
    path: str | Path,
    candidate_ids: Sequence[str],
    data: ResponseMatrix,
) -> None:
    """Write ``DATA.csv`` with each response as its category code (empty when missing)."""
    header = [CANDIDATE_COLUMN, *data.item_ids]
    codes = [spec.codes for spec in data.items]
    rows = [
        [candidate] + ["" if value < 0 else str(codes[j][value]) for j, value in enumerate(row)]
        for candidate, row in zip(candidate_ids, data.responses.tolist(), strict=True)
    ]
    write_csv(path, header, rows)
