"""Opening the database: SQLite by default, any SQLAlchemy URL (PostgreSQL) by choice.

SQLite connections run in WAL mode with foreign keys on and ``synchronous=FULL``
so that a committed rating survives a crash or power cut. Failures that a user
can meet (locked, read-only, not a database, disk full) become
:class:`DatabaseError` with a message meant for people, not programmers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """A database problem explained for the user; nothing was half-written."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind  # locked | read_only | not_a_database | disk_full | unreachable | error


def to_url(target: str | os.PathLike[str]) -> str:
    """Accept a file path or a SQLAlchemy URL."""
    text = os.fspath(target)
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_sqlite_file(path: Path) -> None:
    """Refuse files that are not SQLite databases or cannot be written, before touching them."""
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file.", "not_a_database")
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(f"The database file {path} cannot be read: {exc.strerror}.", "read_only") from None
        if head and head != SQLITE_MAGIC:
            raise DatabaseError(
                f"{path} is not a Session Rater database (it is not an SQLite file). "
                "Choose another file; this one was left untouched.",
                "not_a_database",
            )
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise DatabaseError(
                f"The database {path} is read-only. Ratings could not be saved there; "
                "ask the lab manager for write access or choose another location.",
                "read_only",
            )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise DatabaseError(f"Cannot create a database in the read-only folder {path.parent}.", "read_only")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two desktops writing the
    # same file wait for each other instead of failing half-way through. Reads
    # take no lock (WAL lets them run beside a writer), so a long export never
    # holds up a rater's autosave.
    if conn.get_execution_options().get("rater_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def explain(exc: BaseException) -> DatabaseError:
    """Translate a driver error into a :class:`DatabaseError` a rater can act on."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return DatabaseError(
            "The database is locked by another program (another copy of Session Rater?). "
            "Your change was not saved yet; close the other copy and try again.",
            "locked",
        )
    if "full" in text or "no space" in text:
        return DatabaseError("The disk is full: your last change could not be saved. Free some space.", "disk_full")
    if "readonly" in text or "read-only" in text:
        return DatabaseError("The database is read-only: changes cannot be saved.", "read_only")
    if "not a database" in text or "malformed" in text:
        return DatabaseError("The database file is damaged or is not a database.", "not_a_database")
    if isinstance(exc, (sa_exc.InterfaceError,)) or "connection" in text or "server" in text:
        return DatabaseError(f"The database server cannot be reached: {getattr(exc, 'orig', exc)}", "unreachable")
    return DatabaseError(f"Database error: {getattr(exc, 'orig', exc)}")


class Database:
    """An engine plus a session factory; sessions are opened per unit of work."""

    def __init__(self, url: str, engine: Engine):
        self.url = url
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One committed unit of work; driver errors come out as :class:`DatabaseError`."""
        session = self._factory()
        try:
            with session.begin():
                yield session
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DatabaseError) as exc:
            log.warning("database error: %s", exc)
            raise explain(exc) from exc
        finally:
            session.close()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One committed unit of work on a bare connection (no ORM), for the rating hot path."""
        try:
            with self.engine.begin() as conn:
                yield conn
        # Prepared statements run on the driver's cursor, so its own errors arrive unwrapped.
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DatabaseError,
                self.engine.dialect.loaded_dbapi.Error) as exc:
            log.warning("database error: %s", exc)
            raise explain(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        session = self._factory()
        try:
            session.connection(execution_options={"rater_read_only": True})
            yield session
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DatabaseError) as exc:
            raise explain(exc) from exc
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            check_sqlite_file(path)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours.
        event.listen(engine, "connect", lambda c, r: setattr(c, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_database(target: str | os.PathLike[str], migrate: bool = True) -> Database:
    """Open (and create or migrate) the database at a path or URL."""
    from rater.storage import migrate as migrations

    url = to_url(target)
    try:
        engine = make_engine(url)
        db = Database(url, engine)
        if migrate:
            migrations.ensure_current(db)
        else:
            migrations.check_current(db)
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DatabaseError) as exc:
        raise explain(exc) from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"The database driver is not installed: {exc.name}.") from exc
    return db
