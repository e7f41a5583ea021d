from __future__ import annotations

import pytest

from rater.storage import open_database
from rater.study.demo import create_demo_study
from rater.study.workstation import Workstation


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "study.sqlite")
    yield database
    database.close()


@pytest.fixture
def demo(db):
    """The demo study plus a workstation: (db, workstation, study_id)."""
    study_id = create_demo_study(db)
    return db, Workstation(db), study_id
