"""Restore a backup without ever leaving the database half-restored.

``restore_database`` works in three stages, and only the last touches the live database:

1. **Check** the file as a whole (``inspect_backup``: format, header, row widths, end line,
   counts) and its schema revision (known to this software; older is fine).
2. **Stage** it in a scratch SQLite database in a private temporary folder: create the schema
   at the backup's own revision, check every row against it (column names, each value's type,
   length and nullability, duplicate primary keys; the scratch database's unique and foreign
   key constraints catch the rest), then migrate the scratch database to the newest revision
   and write it out again as a staged backup.
3. **Replace** the live content in one transaction: delete every row, load the staged file,
   move PostgreSQL sequences past the restored ids. Any failure rolls the transaction back.

Whatever fails, the live database is exactly as it was, and the error (``BackupError``) names
the file, line, table and column but never a stored value, so no personal data reaches a
terminal or log.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from assessment.errors import BackupError
from assessment.persistence.backup import (
    BATCH_SIZE,
    BackupSummary,
    _backup_lines,
    _data_tables,
    _decode,
    _header,
    _TableSpec,
    backup_database,
    inspect_backup,
    table_counts,
)
from assessment.persistence.db import alembic_config, make_engine, upgrade
from assessment.persistence.failures import database_reason, translates_database_errors
from assessment.persistence.store import Store


@translates_database_errors
def restore_database(store: Store, path: str | Path, *, wipe: bool = False) -> BackupSummary:
    """Replace the content of ``store``'s database by the backup at ``path``.

    The database must be empty unless ``wipe`` (``sjt restore --yes``). Raises
    ``BackupError`` for anything wrong with the file, its revision or its rows, and leaves the
    database unchanged in every such case (see the module docstring).
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
    with _private_folder() as folder:
        staged = _stage(path, summary.revision, folder)
        _replace(engine, staged, path)
    return summary


@contextmanager
def _private_folder() -> Iterator[Path]:
    """A temporary folder only this user can read (it holds personal data for a moment)."""
    with tempfile.TemporaryDirectory(prefix="sjt-restore-") as name:
        yield Path(name)


def _stage(path: Path, revision: str, folder: Path) -> Path:
    """Load ``path`` into a scratch database at ``revision``, migrate it, write it out again."""
    scratch = make_engine(f"sqlite:///{folder / 'scratch.db'}")
    try:
        _migrate_to(scratch, revision)
        with scratch.begin() as connection:
            _check_and_load(connection, path)
        upgrade(scratch)
        staged = folder / "staged.jsonl"
        backup_database(Store(scratch), staged)
    finally:
        scratch.dispose()
    return staged


def _replace(engine: Engine, staged: Path, source: Path) -> None:
    """Delete every row and load ``staged``, in one transaction of the live database."""
    try:
        with engine.begin() as connection:
            _wipe(connection)
            _load(connection, staged)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
    except SQLAlchemyError as error:
        raise BackupError(
            f"{source}: the database refused the restored rows ({database_reason(error)}); "
            "the restore was rolled back and the database is unchanged"
        ) from None


# ------------------------------------------------------------------------- row checks
@dataclass(frozen=True)
class _Column:
    name: str
    kind: str
    check: str
    length: int | None
    nullable: bool


def _columns(path: Path, spec: _TableSpec, table: Table | None) -> list[_Column]:
    """The checks for a table's rows; the backup's columns must be exactly the table's."""
    if table is None:
        raise BackupError(
            f"{path}: line 1: table {spec.name!r} is not part of the schema at the backup's "
            "revision; the backup is damaged"
        )
    names = [column.name for column in table.columns]
    if sorted(spec.columns) != sorted(names):
        missing = sorted(set(names) - set(spec.columns))
        extra = sorted(set(spec.columns) - set(names))
        raise BackupError(
            f"{path}: line 1: the columns of {spec.name!r} do not match the schema at the "
            f"backup's revision (missing {missing}, unexpected {extra}); the backup is damaged"
        )
    checks = []
    for name, kind in zip(spec.columns, spec.kinds, strict=True):
        column = table.columns[name]
        length = getattr(column.type, "length", None)
        checks.append(_Column(name, kind, _check_kind(column.type), length, bool(column.nullable)))
    return checks


def _check_kind(kind: Any) -> str:
    """Which Python values a column of SQL type ``kind`` takes."""
    for sql_type, check in (
        (Boolean, "bool"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Integer, "int"),
        (Float, "float"),
        (Numeric, "float"),
        (LargeBinary, "bytes"),
        (JSON, "json"),
        (String, "text"),
    ):
        if isinstance(kind, sql_type):
            return check
    return "any"


def _problem(value: Any, column: _Column) -> str | None:
    """What is wrong with a decoded ``value`` for ``column`` (never the value itself)."""
    if value is None:
        return None if column.nullable else "is empty but the column requires a value"
    check = column.check
    if check == "bool":
        ok = isinstance(value, bool) or value in (0, 1)
    elif check == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
    elif check == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif check == "datetime":
        ok = isinstance(value, dt.datetime)
    elif check == "date":
        ok = isinstance(value, dt.date)
    elif check == "bytes":
        ok = isinstance(value, bytes)
    elif check == "text":
        ok = isinstance(value, str)
        if ok and column.length is not None and len(value) > column.length:
            return f"is longer than the column's {column.length} characters"
    else:
        ok = True
    return None if ok else f"has the wrong type for a {check} column"


def _check_and_load(connection: Connection, path: Path) -> None:
    """Check every row of ``path`` against the scratch schema and insert it there."""
    metadata = MetaData()
    metadata.reflect(connection)
    lines = _backup_lines(path)
    _, specs = _header(path, next(lines)[1])
    checks = {spec.name: _columns(path, spec, metadata.tables.get(spec.name)) for spec in specs}
    keys = {
        spec.name: [i for i, name in enumerate(spec.columns) if name in _primary(metadata, spec)]
        for spec in specs
    }
    seen: dict[str, set[tuple[Any, ...]]] = {spec.name: set() for spec in specs}
    batch: list[dict[str, Any]] = []
    current: str | None = None
    first_line = 0

    def flush() -> None:
        if not batch or current is None:
            return
        try:
            with connection.begin_nested():
                connection.execute(metadata.tables[current].insert(), batch)
        except SQLAlchemyError as error:
            raise BackupError(
                f"{path}: lines {first_line}-{first_line + len(batch) - 1}: rows of "
                f"{current!r} break the schema ({database_reason(error)}); the backup is "
                "damaged and nothing was restored"
            ) from None
        batch.clear()

    for number, data in lines:
        name = data.get("t")
        if name is None:
            continue  # the end line, checked by inspect_backup
        if name != current or len(batch) >= BATCH_SIZE:
            flush()
            current, first_line = name, number
        row: dict[str, Any] = {}
        for column, value in zip(checks[name], data["r"], strict=True):
            try:
                decoded = _decode(value, column.kind)
            except (ValueError, TypeError, AttributeError):
                decoded = _Undecodable
            problem = (
                f"cannot be read as a {column.kind}"
                if decoded is _Undecodable
                else _problem(decoded, column)
            )
            if problem is not None:
                raise BackupError(
                    f"{path}: line {number}: column {column.name!r} of {name!r} {problem}; "
                    "the backup is damaged and nothing was restored"
                )
            row[column.name] = decoded
        key = tuple(data["r"][i] for i in keys[name])
        if key:
            if key in seen[name]:
                raise BackupError(
                    f"{path}: line {number}: a second {name!r} row with the same primary key; "
                    "the backup is damaged and nothing was restored"
                )
            seen[name].add(key)
        batch.append(row)
    flush()


# --------------------------------------------------------------- schema and live load
def _known_revisions(engine: Engine) -> tuple[str | None, list[str]]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    return script.get_current_head(), [rev.revision for rev in script.walk_revisions()]


def _migrate_to(engine: Engine, revision: str) -> None:
    """Upgrade ``engine``'s schema to ``revision`` (a scratch database starts empty)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _wipe(connection: Connection) -> None:
    for table in reversed(_data_tables(connection)):
        connection.execute(delete(table))


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


class _Undecodable:
    """Marks a value that ``_decode`` could not read."""


def _primary(metadata: MetaData, spec: _TableSpec) -> set[str]:
    return {column.name for column in metadata.tables[spec.name].primary_key.columns}


__all__ = ["restore_database"]
