"""The demo study offered on first launch: real recordings to rate in a minute."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import func, select

from rater.instruments.loader import bundled_instrument_files
from rater.paths import RESOURCES
from rater.storage import audit
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.instruments import register_file

log = logging.getLogger(__name__)

DEMO_MEDIA = RESOURCES / "demo"
MEDIA_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".wav", ".mp3", ".m4a", ".wma", ".ogg"}
AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".wma", ".ogg"}

# (patient, session number) → the homework assigned in that session
DEMO_HOMEWORK = {
    ("D01", 1): [
        ("self_monitoring", "Daily activity log: record activities and mood (0-10) every hour."),
        ("cognitive", "Notice moments when mood drops and write down the thought."),
    ],
    ("D01", 2): [
        ("cognitive", "Two thought records this week, including the alternative response column."),
        ("behavioural", "Plan one pleasant activity (walk with a friend) on Saturday."),
    ],
    ("D02", 1): [("self_monitoring", "Activity log for three days.")],
}


def is_empty(db: Database) -> bool:
    with db.reading() as s:
        return not s.scalar(select(func.count()).select_from(m.Study))


def demo_recordings() -> list[tuple[str, str]]:
    """(file name, kind) of the shipped demo recordings, longest (largest) first."""
    files = sorted((p for p in DEMO_MEDIA.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES),
                   key=lambda p: (-p.stat().st_size, p.name))
    return [(p.name, "audio" if p.suffix.lower() in AUDIO_SUFFIXES else "video") for p in files]


def create_demo_study(db: Database) -> str:
    """Create the demo study; returns its id."""
    recordings = demo_recordings()
    if not recordings:
        raise FileNotFoundError(f"No demo recordings found in {DEMO_MEDIA}")
    actor = "coordinator"
    with db.transaction() as s:
        study = m.Study(
            name="Demo study: homework in cognitive therapy",
            code="DEMO",
            description="Two patients, sessions 1-3, rated on the HSTBS and the HES.",
            settings={"media_root": str(DEMO_MEDIA), "min_played_fraction": 0.8, "hidden_fields": ["condition"]},
        )
        s.add(study)
        s.flush()
        instruments = {}
        for path in bundled_instrument_files():
            row = register_file(s, path)
            instruments[row.key] = row

        team1 = m.Team(study_id=study.id, name="Team 1 (therapist behaviour)", raters_per_session=1)
        team2 = m.Team(study_id=study.id, name="Team 2 (homework engagement)", raters_per_session=1,
                       keeps_homework_log=True)
        s.add_all([team1, team2])
        s.flush()
        s.add(m.TeamInstrument(team_id=team1.id, instrument_id=instruments["hstbs"].id, session_min=1, session_max=4))
        for key in ("hes_general", "hes_ct"):
            s.add(m.TeamInstrument(team_id=team2.id, instrument_id=instruments[key].id, session_min=2, session_max=5))

        alex = m.Rater(study_id=study.id, code="R01", name="Alex Rivera")
        sam = m.Rater(study_id=study.id, code="R02", name="Sam Chen")
        s.add_all([alex, sam])
        s.flush()
        s.add_all([m.TeamMember(team_id=team1.id, rater_id=alex.id), m.TeamMember(team_id=team2.id, rater_id=sam.id)])

        sessions = {}
        start = date(2026, 9, 7)
        rec_iter = iter(recordings * 3)
        for p_index, (code, condition) in enumerate((("D01", "A"), ("D02", "B"))):
            patient = m.Patient(study_id=study.id, code=code, meta={"condition": condition})
            s.add(patient)
            s.flush()
            for number in (1, 2, 3):
                sess = m.Session(patient_id=patient.id, number=number,
                                 date=start + timedelta(days=7 * (number - 1) + p_index))
                name, kind = next(rec_iter)
                sess.recordings.append(m.Recording(path=name, kind=kind, size=(DEMO_MEDIA / name).stat().st_size))
                s.add(sess)
                s.flush()
                sessions[(code, number)] = sess
                for kind_, text in DEMO_HOMEWORK.get((code, number), []):
                    s.add(m.HomeworkEntry(session_id=sess.id, kind=kind_, description=text, author="Demo coordinator"))

        plan = [
            (alex, team1, "hstbs", ("D01", 1)),
            (alex, team1, "hstbs", ("D02", 2)),
            (sam, team2, "hes_general", ("D01", 2)),
            (sam, team2, "hes_ct", ("D01", 2)),
            (sam, team2, "hes_general", ("D02", 3)),
        ]
        for position, (rater, team, key, where) in enumerate(plan):
            s.add(m.Assignment(study_id=study.id, session_id=sessions[where].id, rater_id=rater.id,
                               instrument_id=instruments[key].id, team_id=team.id, queue_position=position))
        audit.record(s, actor=actor, action="create", entity="study", entity_id=study.id,
                     field="demo", new=study.name, study_id=study.id)
        log.info("demo study created")
        return study.id
