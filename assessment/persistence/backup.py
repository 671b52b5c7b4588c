"""Backup of the whole database, on SQLite or PostgreSQL, and checks of backup files.

``backup_database`` writes every table as JSON lines (gzip when the name ends in ``.gz``) with
the Alembic revision; ``inspect_backup`` checks a file's structure without loading it;
``assessment.persistence.restore`` loads such a file on either backend.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    func,
    select,
)

from assessment.clock import utcnow
from assessment.errors import BackupError
from assessment.persistence.failures import translates_database_errors
from assessment.persistence.private import open_private, private_folder
from assessment.persistence.store import Store

BACKUP_FORMAT = "sjt-backup"
BACKUP_FORMAT_VERSION = 1
ALEMBIC_TABLE = "alembic_version"
BATCH_SIZE = 1000


def plain(value: Any) -> Any:
    """A stored value as JSON: datetimes in ISO 8601 (UTC), everything else as is."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


# ----------------------------------------------------------------------------- backup
@dataclass(frozen=True)
class BackupSummary:
    """A written or restored backup: its file, schema revision and rows per table."""

    path: Path
    revision: str
    counts: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def _data_tables(connection: Connection) -> list[Table]:
    """The database's own tables (reflected), parents before children."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [table for table in metadata.sorted_tables if table.name != ALEMBIC_TABLE]


def _kind(column: Any) -> str:
    kind = column.type
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, LargeBinary):
        return "bytes"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, Numeric) and kind.asdecimal:
        return "decimal"
    return "plain"


def _encode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        if value.tzinfo is None:  # SQLite keeps UTC values without an offset
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


def _decode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return decimal.Decimal(value)
    return value


def current_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at (None without a schema)."""
    return MigrationContext.configure(connection).get_current_revision()


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


@translates_database_errors
def backup_database(
    store: Store, out: str | Path, *, now: dt.datetime | None = None
) -> BackupSummary:
    """Write every table as JSON lines: a header, one line per row, an end line with counts.

    Tables come parents first, rows in primary-key order, all read in one transaction
    (a repeatable-read snapshot on PostgreSQL). The file is written under a temporary name and
    renamed when complete, so no half-written backup is left behind; a name ending in ``.gz``
    is gzip-compressed.
    """
    path = Path(out)
    private_folder(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    counts: dict[str, int] = {}
    with store.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN")  # one read snapshot over all tables
            revision = current_revision(connection)
            if revision is None:
                raise BackupError("the database has no schema yet; there is nothing to back up")
            tables = _data_tables(connection)
            header = {
                "format": BACKUP_FORMAT,
                "format_version": BACKUP_FORMAT_VERSION,
                "alembic_revision": revision,
                "created_at": plain(now or utcnow()),
                "dialect": connection.dialect.name,
                "tables": [
                    {
                        "name": table.name,
                        "columns": [
                            {"name": column.name, "kind": _kind(column)} for column in table.columns
                        ],
                    }
                    for table in tables
                ],
            }
            try:
                with _open_for_writing(temporary, gzipped=path.suffix == ".gz") as handle:
                    handle.write(_line(header))
                    for table in tables:
                        kinds = [_kind(column) for column in table.columns]
                        order = list(table.primary_key.columns) or list(table.columns)
                        result = connection.execute(
                            select(table).order_by(*order),
                            execution_options={"yield_per": BATCH_SIZE},
                        )
                        n_rows = 0
                        for row in result:
                            values = [_encode(v, k) for v, k in zip(row, kinds, strict=True)]
                            handle.write(_line({"t": table.name, "r": values}))
                            n_rows += 1
                        counts[table.name] = n_rows
                    handle.write(_line({"end": True, "counts": counts}))
                temporary.replace(path)
            finally:
                temporary.unlink(missing_ok=True)
    return BackupSummary(path, revision, counts)


@contextmanager
def _open_for_writing(path: Path, gzipped: bool) -> Iterator[IO[str]]:
    """A text handle on a new file only its owner can read (backups hold personal data)."""
    with open_private(path, "wb") as raw:
        if not gzipped:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text:
                yield text
            return
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw) as packed,
            io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as text,
        ):
            yield text


def _open_backup(path: Path) -> IO[str]:
    try:
        with path.open("rb") as probe:
            magic = probe.read(2)
    except FileNotFoundError:
        raise BackupError(f"{path}: file not found") from None
    except OSError as error:
        raise BackupError(f"{path}: cannot be read: {error.strerror}") from None
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _backup_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, parsed line) of a backup file; malformed files raise ``BackupError``."""
    number = 0
    try:
        with _open_backup(path) as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    parsed = json.loads(raw)
                except json.JSONDecodeError as error:
                    raise BackupError(
                        f"{path}: line {number}: not valid JSON ({error.msg}); the backup is "
                        "damaged"
                    ) from None
                except RecursionError:
                    raise BackupError(
                        f"{path}: line {number}: nested too deeply to be read; the backup is "
                        "damaged"
                    ) from None
                if not isinstance(parsed, dict):
                    raise BackupError(f"{path}: line {number}: expected a JSON object")
                yield number, parsed
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise BackupError(
            f"{path}: after line {number}: cannot be read ({error}); the backup is damaged or "
            "truncated"
        ) from None


@dataclass(frozen=True)
class _TableSpec:
    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]


def _header(path: Path, data: dict[str, Any]) -> tuple[str, list[_TableSpec]]:
    if data.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{path}: line 1: not an sjt backup (made by `sjt backup`)")
    version = data.get("format_version")
    if not isinstance(version, int) or version > BACKUP_FORMAT_VERSION:
        raise BackupError(
            f"{path}: line 1: backup format version {version!r} is newer than this software "
            f"reads ({BACKUP_FORMAT_VERSION}); upgrade the software first"
        )
    revision = data.get("alembic_revision")
    tables = data.get("tables")
    if not isinstance(revision, str) or not isinstance(tables, list):
        raise BackupError(f"{path}: line 1: the header lacks the schema revision or table list")
    specs = []
    try:
        for table in tables:
            columns = table["columns"]
            specs.append(
                _TableSpec(
                    str(table["name"]),
                    tuple(str(c["name"]) for c in columns),
                    tuple(str(c["kind"]) for c in columns),
                )
            )
    except (KeyError, TypeError) as error:
        raise BackupError(f"{path}: line 1: malformed table list ({error})") from None
    return revision, specs


def inspect_backup(path: str | Path) -> BackupSummary:
    """Read a whole backup and check its structure; returns its revision and row counts.

    Raises ``BackupError`` naming the line for anything wrong: not a backup, a newer format,
    a row of an unknown table or with the wrong number of values, or a missing end line (a
    truncated copy).
    """
    path = Path(path)
    lines = _backup_lines(path)
    first = next(lines, None)
    if first is None:
        raise BackupError(f"{path}: the file is empty")
    revision, specs = _header(path, first[1])
    widths = {spec.name: len(spec.columns) for spec in specs}
    counts = dict.fromkeys(widths, 0)
    end: dict[str, Any] | None = None
    for number, data in lines:
        if end is not None:
            raise BackupError(f"{path}: line {number}: data after the end line")
        if data.get("end") is True:
            end = data
            continue
        table, values = data.get("t"), data.get("r")
        if table not in widths:
            raise BackupError(f"{path}: line {number}: row of an unknown table {table!r}")
        if not isinstance(values, list) or len(values) != widths[table]:
            raise BackupError(f"{path}: line {number}: a {table} row needs {widths[table]} values")
        counts[table] += 1
    if end is None:
        raise BackupError(f"{path}: the end line is missing; the backup is truncated")
    if end.get("counts") != counts:
        raise BackupError(
            f"{path}: the row counts do not match the end line; the backup is damaged"
        )
    return BackupSummary(path, revision, counts)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the database (Alembic's own table left out)."""
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in _data_tables(connection)
        }


__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_FORMAT_VERSION",
    "BackupSummary",
    "backup_database",
    "current_revision",
    "inspect_backup",
    "plain",
    "table_counts",
]
