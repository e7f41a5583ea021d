"""Test-wide set-up: Qt platform choice, a private data folder, and the no-Qt mode.

``RATER_BLOCK_QT=1`` makes PySide6 and vlc unimportable, proving the core runs
without them (scripts/run-tests.sh runs the Qt-free test folders that way).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import tempfile
import uuid

import pytest

BLOCKED = ("PySide6", "shiboken6", "vlc")


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: the core must not need it")
        return None


if os.environ.get("RATER_BLOCK_QT") == "1":
    sys.meta_path.insert(0, _Blocker())

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="rater-xdg-"))
os.chmod(os.environ["XDG_RUNTIME_DIR"], 0o700)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # Decided here, not at import time: pytest-xvfb sets DISPLAY in its own
    # pytest_configure, which runs before this one.
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "xcb" if os.environ.get("DISPLAY") else "offscreen"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "rater-data"
    monkeypatch.setenv("RATER_DATA_DIR", str(data))
    return data


PG_URL = os.environ.get("RATER_TEST_PG_URL")


def _require_pg() -> None:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("RATER_TEST_PG_URL is not set: scripts/run-tests.sh starts PostgreSQL for CI")
        pytest.skip("no PostgreSQL server: scripts/run-tests.sh starts one and sets RATER_TEST_PG_URL")


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    """Migrated empty databases made once per run; each test copies one instead of migrating."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        import sqlalchemy as sa

        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {made['postgresql']} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def new_db_url(_templates, tmp_path_factory, tmp_path):
    """new_db_url("sqlite"|"postgresql", name) → the URL of a fresh, migrated, empty database."""
    import shutil

    import sqlalchemy as sa

    from rater.storage import open_database

    created: list[str] = []
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None

    def make(backend: str, name: str = "study") -> str:
        if backend == "sqlite":
            if "sqlite" not in _templates:
                template = tmp_path_factory.mktemp("template") / "template.sqlite"
                open_database(template).close()  # closing checkpoints the WAL into the file
                _templates["sqlite"] = str(template)
            target = tmp_path / "db" / f"{name}.sqlite"
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(_templates["sqlite"], target)
            return str(target)
        _require_pg()
        if "postgresql" not in _templates:
            template = f"rater_template_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {template}"))
            open_database(_pg_url(template)).close()
            _templates["postgresql"] = template
        database = f"rater_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {database} TEMPLATE {_templates['postgresql']}"))
        created.append(database)
        return _pg_url(database)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for database in created:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        admin.dispose()


def _pg_url(database: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, new_db_url):
    """A fresh, empty database on each backend: an SQLite file, and a new PostgreSQL database."""
    return new_db_url(request.param)


# Databases for the Qt-free tests of the study services, storage and instruments. The rater
# modules are imported inside the fixtures so that the no-Qt blocker above is in place first.
@pytest.fixture
def db(db_url):
    """An empty study database, once on SQLite and once on PostgreSQL."""
    from rater.storage import open_database

    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path):
    from rater.storage import open_database

    database = open_database(tmp_path / "study.sqlite")
    yield database
    database.close()


@pytest.fixture
def demo(db):
    """The demo study plus a workstation: (db, workstation, study_id)."""
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study

    study_id = create_demo_study(db)
    return db, Workstation(db), study_id


@pytest.fixture
def sqlite_demo(sqlite_db):
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study

    study_id = create_demo_study(sqlite_db)
    return sqlite_db, Workstation(sqlite_db), study_id
