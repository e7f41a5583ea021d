"""Core statements compiled once per database dialect and run straight on the driver's cursor.

On the autosave path SQLAlchemy's per-execution work (cache-key walk,
execution context, result wrapping) costs more than SQLite's own execution of
a one-row statement. A :class:`Prepared` statement is still written in Core and
still uses the dialect's SQL and its type conversions (datetimes, booleans,
JSON), compiled the first time it runs on each dialect; each execution then
is one driver call inside the caller's SQLAlchemy transaction. Driver errors
come out as the driver's own exceptions; :meth:`Database.writing` translates
them like any other.
"""

from __future__ import annotations

import logging
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable, Select

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # bind order for positional paramstyles (SQLite), None for named
    defaults: dict[str, Any]  # binds whose value is part of the statement (e.g. ``revision + 1``)
    bind: dict[str, Callable[[Any], Any]]
    row: type | None  # a namedtuple of the result columns, for statements that return rows
    result: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    """One Core statement, executed without SQLAlchemy's per-call overhead."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        bind, defaults = {}, {}
        for param, name in compiled.bind_names.items():
            processor = param.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind[name] = processor
            if not param.required:
                defaults[name] = param.effective_value
        if isinstance(self.statement, Select):
            columns = list(self.statement.selected_columns)
        else:  # INSERT/UPDATE/DELETE, with or without RETURNING
            columns = [d["expr"] for d in self.statement.returning_column_descriptions]
        row = namedtuple("Row", [c.key for c in columns]) if columns else None
        result = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        names = tuple(compiled.positiontup) if compiled.positional else None
        return _Compiled(compiled.string, names, defaults, bind, row, result)

    def _run(self, conn: Connection, params: Mapping[str, Any]):
        dialect = conn.dialect
        c = self._by_dialect.get(dialect.name)
        if c is None:
            c = self._by_dialect[dialect.name] = self._compile(dialect)
        values = {**c.defaults, **params}
        for name, processor in c.bind.items():
            values[name] = processor(values[name])
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(c.sql, [values[n] for n in c.names] if c.names is not None else values)
        return cursor, c

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> None:
        """Run a statement that returns no rows."""
        cursor, _ = self._run(conn, params)
        cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run a statement and return its first row (a named tuple) or None."""
        cursor, c = self._run(conn, params)
        raw = cursor.fetchone()
        cursor.close()
        if raw is None:
            return None
        return c.row._make(v if p is None else p(v) for p, v in zip(c.result, raw, strict=True))
