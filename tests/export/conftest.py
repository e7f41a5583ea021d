"""A rated study for the export tests, built through the real services.

The reference design (``rater/resources/studies/homework_ct.toml``) cut to eight
patients, assignments from the generator, and every rating entered and
submitted through the rater Workstation. Scores are deterministic: a session
level plus a rater offset, so reliability is high but not perfect; HES-CT is
0 everywhere (a zero-variance scale). One rating stays in progress, one item
note starts with "=", and a few marks and homework entries exist.
The database is built once per test session; tests that write copy it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from rater.paths import RESOURCES
from rater.storage import models as m
from rater.storage import open_database
from rater.study.assign import generate_assignments
from rater.study.rating.workstation import Workstation
from rater.study.reports import homework
from rater.study.setup.studyfile import create_study, load_study_file

N_PATIENTS = 8


@dataclass(frozen=True)
class Built:
    path: Path
    study_id: str
    in_progress: tuple[str, int, str]  # (patient, session number, rater code) left unsubmitted


def score_for(patient: int, number: int, rater: int, item_index: int, key: str) -> int:
    """The deterministic score every test can recompute."""
    if key == "hes_ct":
        return 0
    level = (patient * 3 + number * 2) % 4 + item_index % 2
    offset = (rater % 3) - 1 if (patient + number + item_index) % 3 == 0 else 0
    return max(0, min(4, level + offset))


def _build(path: Path) -> Built:
    db = open_database(path)
    spec = load_study_file(RESOURCES / "studies" / "homework_ct.toml")
    spec.patients = spec.patients[:N_PATIENTS]
    study_id = create_study(db, spec)
    generate_assignments(db, study_id, seed=7)
    with db.transaction() as s:
        first = s.scalar(select(m.Session).join(m.Patient).where(m.Patient.code == "P001", m.Session.number == 2))
        first.date = date(2024, 3, 5)
    ws = Workstation(db)
    with db.reading() as s:
        rows = s.execute(
            select(m.Assignment.id, m.Rater.id, m.Rater.code, m.Patient.code, m.Session.number, m.Session.id,
                   m.InstrumentRecord.key)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .order_by(m.Patient.code, m.Session.number, m.Rater.code, m.InstrumentRecord.key)).all()
    in_progress = None
    logged: set[str] = set()
    for aid, rater_id, code, patient, number, session_id, key in rows:
        view = ws.open(aid, rater_id)
        p, r = int(patient[1:]), int(code.split("-")[1])
        for idx, item in enumerate(view.instrument.items):
            if view.instrument.item_applies(item.id, number):
                ws.set_response(aid, rater_id, item.id, score_for(p, number, r, idx, key))
        if (patient, number, key) == ("P001", 2, "hstbs"):
            ws.set_note(aid, rater_id, "asg1", "=SUM(A1:A3) said the therapist")
            mark = ws.add_mark(aid, rater_id, 761_000, "therapist assigns thought record")
            ws.set_mark_evidence(aid, rater_id, mark.id, "asg1", "+")
            ws.set_no_anchor(aid, rater_id, "asg1", True, "assigned twice, neither anchor fits")
        if in_progress is None and (patient, number, key) == ("P002", 3, "hes_general"):
            in_progress = (patient, number, code)
            continue
        ws.submit(aid, rater_id)
        if patient == "P001" and session_id not in logged:
            logged.add(session_id)
            homework.add_entry(db, session_id, "cognitive", f"Thought records after session {number}")
    db.close()
    return Built(path, study_id, in_progress)


@pytest.fixture(scope="session")
def built_study(tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("export-study") / "study.sqlite")


@pytest.fixture
def study_db(built_study, tmp_path):
    """A private copy of the rated study: (db, study_id, built)."""
    path = tmp_path / "study.sqlite"
    shutil.copyfile(built_study.path, path)
    db = open_database(path)
    yield db, built_study.study_id, built_study
    db.close()


@pytest.fixture
def empty_study(tmp_path):
    """The reference design (eight patients) without assignments or ratings: (db, study_id)."""
    db = open_database(tmp_path / "empty.sqlite")
    spec = load_study_file(RESOURCES / "studies" / "homework_ct.toml")
    spec.patients = spec.patients[:N_PATIENTS]
    study_id = create_study(db, spec)
    yield db, study_id
    db.close()


@dataclass(frozen=True)
class Exported:
    xlsx: Path
    csv_dir: Path
    db_path: Path
    study_id: str
    built: Built


@pytest.fixture(scope="session")
def exported(built_study, tmp_path_factory) -> Exported:
    """The built study exported once (workbook and CSV) for the read-only tests."""
    from rater.export import export_study

    out = tmp_path_factory.mktemp("exported")
    db = open_database(built_study.path)
    try:
        export_study(db, built_study.study_id, xlsx=out / "pooled.xlsx", csv_dir=out / "csv")
    finally:
        db.close()
    return Exported(out / "pooled.xlsx", out / "csv", built_study.path, built_study.study_id, built_study)


@pytest.fixture(scope="session")
def workbook(exported):
    from openpyxl import load_workbook

    return load_workbook(exported.xlsx)
