"""Opening the database: SQLite by default, any SQLAlchemy URL (PostgreSQL) by choice.

SQLite connections run in WAL mode with foreign keys on and ``synchronous=FULL``
so that a committed rating survives a crash or power cut. Failures that a user
can meet (locked, read-only, not a database, disk full) become
:class:`DatabaseError` with a message meant for people, not programmers.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
# Ratings are blind: a new database and the folder made for it are readable by
# their owner only (SQLite gives its -wal and -shm files the database's mode).
FILE_MODE = 0o600
FOLDER_MODE = 0o700


class DatabaseError(Exception):
    """A database problem explained for the user; nothing was half-written."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind  # locked | read_only | not_a_database | not_found | disk_full | unreachable | error


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


def check_sqlite_file(path: Path, *, reading_only: bool = False) -> bool:
    """Refuse files that are not SQLite databases or cannot be used, before touching them.

    Returns True when the file can be written. With ``reading_only`` a database
    that cannot be written (read-only media, no write permission) is accepted
    for reading; otherwise it is refused with a message.
    """
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
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if not writable and not reading_only:
            raise DatabaseError(
                f"The database {path} is read-only. Ratings could not be saved there; "
                "ask the lab manager for write access or choose another location.",
                "read_only",
            )
        return writable
    if reading_only:
        # Reading must never leave an empty database behind a mistyped name.
        raise DatabaseError(f"There is no database file {path}.", "not_found")
    create_private_file(path)
    return True


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (and its folder, if new, too)."""
    if not path.parent.exists():
        try:
            path.parent.mkdir(mode=FOLDER_MODE, parents=True)
        except OSError as exc:
            raise DatabaseError(f"Cannot create the folder {path.parent}: {exc.strerror}.", "read_only") from None
    try:
        # O_EXCL: never truncate a file another process created a moment ago.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseError(f"Cannot create a database in the folder {path.parent}: {exc.strerror}.",
                            "read_only") from None
    os.close(fd)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    # journal_mode and synchronous would try to write; an immutable file has nothing to wait for.
    dbapi_conn.execute("PRAGMA foreign_keys=ON")


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
    if "permission denied" in text or "row-level security" in text:
        # PostgreSQL roles (rater db roles): a rater's role may not change what is not theirs.
        return DatabaseError("This database login may not make that change: it is a rater's login, "
                             "restricted to that rater's own ratings.", "read_only")
    if "not a database" in text or "malformed" in text:
        return DatabaseError("The database file is damaged or is not a database.", "not_a_database")
    if isinstance(exc, (sa_exc.InterfaceError,)) or "connection" in text or "server" in text:
        return DatabaseError(f"The database server cannot be reached: {getattr(exc, 'orig', exc)}", "unreachable")
    return DatabaseError(f"Database error: {getattr(exc, 'orig', exc)}")


class Database:
    """An engine plus a session factory; sessions are opened per unit of work."""

    def __init__(self, url: str, engine: Engine, *, read_only: bool = False):
        self.url = url
        self.engine = engine
        # True for a database opened from read-only media: it can be read, never written.
        self.read_only = read_only
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

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A connection for reading only: on SQLite it never waits for a writer."""
        with self.engine.connect() as conn:
            conn.execution_options(rater_read_only=True)
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str, *, reading_only: bool = False) -> tuple[Engine, bool]:
    """The engine for ``url`` and whether it can write.

    With ``reading_only``, an SQLite file that cannot be written is opened
    immutable (``mode=ro&immutable=1``): SQLite then needs no -wal/-shm file and
    no lock, which is what lets a database on a read-only disk be read at all.
    """
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and not check_sqlite_file(path, reading_only=reading_only):
            return _immutable_sqlite_engine(path), False
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        _own_transactions(engine)
        return engine, True
    return create_engine(url, pool_pre_ping=True), True


def _immutable_sqlite_engine(path: Path) -> Engine:
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # Immutable reading cannot see changes still in the WAL (the file was copied while in use).
        log.warning("%s is read-only and has changes in %s that cannot be read; copy the database after "
                    "closing Session Rater", path, wal.name)
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
    event.listen(engine, "connect", _sqlite_read_only_pragmas)
    _own_transactions(engine, begin=lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


def _own_transactions(engine: Engine, begin=_sqlite_begin) -> None:
    # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours.
    event.listen(engine, "connect", lambda c, r: setattr(c, "isolation_level", None))
    event.listen(engine, "begin", begin)


def open_database(target: str | os.PathLike[str], migrate: bool = True, *, reading_only: bool = False) -> Database:
    """Open (and create or migrate) the database at a path or URL.

    ``reading_only`` is for callers that only read (status, reliability,
    export): a missing file is not created, and a database on read-only media
    is opened for reading (its schema checked, never upgraded) instead of refused.
    """
    from rater.storage import migrate as migrations

    url = to_url(target)
    try:
        engine, writable = make_engine(url, reading_only=reading_only)
        db = Database(url, engine, read_only=not writable)
        if migrate and writable:
            migrations.ensure_current(db)
        else:
            migrations.check_current(db)
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DatabaseError) as exc:
        raise explain(exc) from exc
    except ModuleNotFoundError as exc:
        raise DatabaseError(f"The database driver is not installed: {exc.name}.") from exc
    return db
