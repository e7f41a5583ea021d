"""Study packages: the coordinator's set-up on a desktop, same UUIDs, recordings checked."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest
from sqlalchemy import select

from rater.pooling import PackageError, export_study, import_study
from rater.storage import models as m
from rater.study.recordings import media_paths

from .helpers import build_study, rate, rater_id

SETUP = (m.Study, m.InstrumentRecord, m.Team, m.TeamInstrument, m.Rater, m.Patient, m.Session, m.Recording,
         m.Assignment, m.HomeworkEntry)


def rows(db, model):
    table = model.__table__
    with db.engine.connect() as conn:
        return sorted((dict(r._mapping) for r in conn.execute(select(table))), key=lambda r: r["id"])


def test_package_is_a_zip_with_a_manifest_and_checksums(lab):
    _, study_id, package = lab
    with zipfile.ZipFile(package) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "study.json"]
        manifest = json.loads(zf.read("manifest.json"))
        body = zf.read("study.json")
    assert manifest["format"] == "session-rater-package" and manifest["format_version"] == 1
    assert manifest["kind"] == "study" and manifest["study_id"] == study_id and manifest["study_code"] == "POOL"
    assert manifest["software_version"] and manifest["created_at"]
    assert manifest["members"]["study.json"]["sha256"] == hashlib.sha256(body).hexdigest()
    data = json.loads(body)
    assert all(not r["path"].startswith("/") for r in data["recordings"])  # relative to the media root
    assert data["raters"][0]["pin_hash"].startswith("scrypt$")


def test_desktop_gets_the_same_rows_with_the_same_ids(lab, desktop, media):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    for model in SETUP:
        theirs, ours = rows(coordinator, model), rows(desk, model)
        if model is m.Assignment:  # status belongs to each desktop's ratings
            theirs = [{**r, "status": "not_started"} for r in theirs]
        assert ours == theirs, model.__tablename__
    with desk.reading() as s:
        assert media_paths.media_root(s, s.get(m.Study, study_id)) == media.resolve()


def test_media_root_is_mapped_and_checksums_verified(lab, make_db, media, tmp_path):
    _, study_id, package = lab
    elsewhere = tmp_path / "share" / "recordings"
    shutil.copytree(media, elsewhere)
    desk = make_db("desk")
    result = import_study(desk, package, media_root=elsewhere)
    assert result.created and result.problems == [] and result.hashed
    with desk.reading() as s:
        rec = s.scalars(select(m.Recording)).first()
        assert media_paths.resolve(s, s.get(m.Study, study_id), rec.path) == elsewhere.resolve() / rec.path


def test_recording_problems_are_listed_not_ignored(lab, make_db, media, tmp_path):
    _, _, package = lab
    root = tmp_path / "copy"
    shutil.copytree(media, root)
    changed = root / "P1" / "P1_S1.mp4"
    data = bytearray(changed.read_bytes())
    data[100] ^= 0xFF  # same size, other content: only a checksum sees it
    changed.write_bytes(bytes(data))
    (root / "P2" / "P2_S2.mp4").unlink()
    desk = make_db("desk")
    result = import_study(desk, package, media_root=root)
    found = sorted((p.patient, p.session, p.problem) for p in result.problems)
    assert found == [("P1", 1, "changed"), ("P2", 2, "missing")]
    quick = import_study(make_db("desk2"), package, media_root=root, verify=False)
    assert [(p.patient, p.problem) for p in quick.problems] == [("P2", "missing")] and not quick.hashed


def test_reimport_adds_new_set_up_and_never_touches_ratings(lab, desktop, media, tmp_path):
    coordinator, study_id, package = lab
    desk = desktop("desk1")
    aid = [a["id"] for a in rows(desk, m.Assignment) if a["rater_id"] == rater_id(desk, "R01")][0]
    rating = rate(desk, "R01", aid, {"q1": 3}, notes={"q1": "clear"})
    again = import_study(desk, package, media_root=media)
    assert not again.changed and not again.created
    with coordinator.transaction() as s:  # the coordinator adds a rater, a session and an assignment
        team = s.scalar(select(m.Team))
        inst = s.scalar(select(m.InstrumentRecord))
        rater = m.Rater(study_id=study_id, code="R04", name="Rater 4")
        s.add(rater)
        patient = s.scalar(select(m.Patient).where(m.Patient.code == "P1"))
        sess = m.Session(patient_id=patient.id, number=3)
        s.add(sess)
        s.flush()
        s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
        s.add(m.Assignment(study_id=study_id, session_id=sess.id, rater_id=rater.id, instrument_id=inst.id,
                           team_id=team.id, queue_position=99))
        s.scalar(select(m.Rater).where(m.Rater.code == "R02")).name = "Renamed"
    newer = tmp_path / "POOL-2.srpkg"
    export_study(coordinator, newer, study_id)
    result = import_study(desk, newer, media_root=media)
    assert result.added == {"rater": 1, "session": 1, "assignment": 1, "team member": 1}
    assert result.updated == {"rater": 1}
    with desk.reading() as s:
        assert s.get(m.Assignment, aid).status == "in_progress"  # its rating's status, not the package's
        assert s.get(m.Rating, rating).scores[0].value == 3
        assert s.scalar(select(m.Rater.name).where(m.Rater.code == "R02")) == "Renamed"
    assert not import_study(desk, newer, media_root=media).changed


def test_a_local_study_with_the_same_code_is_not_merged(lab, make_db, tmp_path):
    _, _, package = lab
    desk = make_db("desk")
    build_study(desk, tmp_path / "other-media", raters=1, patients=1, sessions=1)
    with pytest.raises(PackageError, match="already has a study 'POOL'"):
        import_study(desk, package, verify=False)
