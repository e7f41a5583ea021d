"""Pooling fixtures: databases by name (one per desktop), a coordinator study and its package.

Every test that takes ``make_db`` runs twice: on SQLite files and on fresh
PostgreSQL databases of the server named by ``RATER_TEST_PG_URL`` (started
by scripts/run-tests.sh), as tests/conftest.py's ``db_url`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from rater.pooling import export_study, import_study
from rater.storage import open_database
from rater.storage.database import Database

from .helpers import build_study

PG_URL = os.environ.get("RATER_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("RATER_TEST_PG_URL is not set: scripts/run-tests.sh starts PostgreSQL for CI")
        pytest.skip("no PostgreSQL server: scripts/run-tests.sh starts one and sets RATER_TEST_PG_URL")
    return request.param


@pytest.fixture
def make_db(backend, new_db_url) -> Callable[[str], Database]:
    """make_db("desk1") → a new, migrated database on the test's backend."""
    opened: list[Database] = []

    def make(name: str) -> Database:
        db = open_database(new_db_url(backend, name))
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


@pytest.fixture
def media(tmp_path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def lab(make_db, media, tmp_path):
    """The coordinator's database with a 3-rater study, and its study package."""
    coordinator = make_db("coordinator")
    study_id = build_study(coordinator, media, raters=3)
    package = tmp_path / "POOL.srpkg"
    export_study(coordinator, package, study_id)
    return coordinator, study_id, package


@pytest.fixture
def desktop(make_db, lab, media):
    """make a desktop database set up from the study package: desktop("desk1")."""
    _, _, package = lab

    def make(name: str) -> Database:
        db = make_db(name)
        import_study(db, package, media_root=media)
        return db

    return make
