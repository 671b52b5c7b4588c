"""Backup and restore of the whole database, on SQLite or PostgreSQL.

``backup_database`` writes every table as JSON lines (gzip when the name ends in ``.gz``) with
the Alembic revision; ``restore_database`` loads such a file into an empty database on either
backend and refuses a backup from a schema newer than this software knows; ``inspect_backup``
checks a file without loading it.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    delete,
    func,
    select,
    text,
)

from assessment.clock import utcnow
from assessment.errors import BackupError
from assessment.persistence.db import alembic_config, upgrade
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
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _open_for_writing(path: Path, gzipped: bool) -> IO[str]:
    if gzipped:
        return gzip.open(path, "wt", encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


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


def _known_revisions(engine: Engine) -> tuple[str | None, list[str]]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    return script.get_current_head(), [rev.revision for rev in script.walk_revisions()]


def _migrate(engine: Engine, revision: str, direction: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        if direction == "down":
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the database (Alembic's own table left out)."""
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in _data_tables(connection)
        }


def _wipe(connection: Connection) -> None:
    for table in reversed(_data_tables(connection)):
        connection.execute(delete(table))


def restore_database(store: Store, path: str | Path, *, wipe: bool = False) -> BackupSummary:
    """Load a backup written by ``backup_database`` into this store's database.

    The database must be empty (``wipe`` deletes every row first). A backup from an older
    schema revision is loaded at that revision and then migrated to the newest; one from a
    revision this software does not know (a newer version) is refused. The file is checked in
    full before anything is changed, and rows are loaded in one transaction.
    """
    path = Path(path)
    summary = inspect_backup(path)
    engine = store.engine
    upgrade(engine)
    head, known = _known_revisions(engine)
    if summary.revision not in known:
        raise BackupError(
            f"{path}: the backup is from schema revision {summary.revision!r}, which this "
            f"software does not know (its newest is {head!r}); restore it with the version of "
            "the software that wrote it, or upgrade this installation first"
        )
    filled = {name: n for name, n in table_counts(engine).items() if n}
    if filled and not wipe:
        listed = ", ".join(f"{name} ({n})" for name, n in filled.items())
        raise BackupError(
            f"the database is not empty: {listed}; restore into an empty database, or pass "
            "--yes to delete every row first"
        )
    if summary.revision != head:
        with engine.begin() as connection:
            _wipe(connection)
        _migrate(engine, summary.revision, "down")
    with engine.begin() as connection:
        _wipe(connection)
        _load(connection, path)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    if summary.revision != head:
        upgrade(engine)
    return summary


def _load(connection: Connection, path: Path) -> None:
    metadata = MetaData()
    metadata.reflect(connection)
    lines = _backup_lines(path)
    _, specs = _header(path, next(lines)[1])
    by_name = {spec.name: spec for spec in specs}
    for spec in specs:
        table = metadata.tables.get(spec.name)
        if table is None:
            raise BackupError(f"{path}: table {spec.name!r} does not exist in this database")
        missing = [name for name in spec.columns if name not in table.columns]
        if missing:
            raise BackupError(f"{path}: table {spec.name!r} has no column(s) {missing}")
    batch: list[dict[str, Any]] = []
    current: str | None = None

    def flush() -> None:
        if batch and current is not None:
            connection.execute(metadata.tables[current].insert(), batch)
            batch.clear()

    for _, data in lines:
        name = data.get("t")
        if name is None:
            continue  # the end line
        if name != current or len(batch) >= BATCH_SIZE:
            flush()
            current = name
        spec = by_name[name]
        batch.append(
            {
                column: _decode(value, kind)
                for column, kind, value in zip(spec.columns, spec.kinds, data["r"], strict=True)
            }
        )
    flush()


def _reset_sequences(connection: Connection) -> None:
    """Move PostgreSQL id sequences past the restored ids."""
    for table in _data_tables(connection):
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        )
        if sequence is None:
            continue
        highest = connection.scalar(select(func.max(key[0])))
        connection.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :value, false)"),
            {"sequence": sequence, "value": int(highest or 0) + 1},
        )


__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_FORMAT_VERSION",
    "BackupSummary",
    "backup_database",
    "current_revision",
    "inspect_backup",
    "plain",
    "restore_database",
    "table_counts",
]
