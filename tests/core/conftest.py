from __future__ import annotations

import pytest

from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study


@pytest.fixture
def db(db_url):
    """An empty study database, once on SQLite and once on PostgreSQL."""
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path):
    database = open_database(tmp_path / "study.sqlite")
    yield database
    database.close()


@pytest.fixture
def demo(db):
    """The demo study plus a workstation: (db, workstation, study_id)."""
    study_id = create_demo_study(db)
    return db, Workstation(db), study_id


@pytest.fixture
def sqlite_demo(sqlite_db):
    study_id = create_demo_study(sqlite_db)
    return sqlite_db, Workstation(sqlite_db), study_id
