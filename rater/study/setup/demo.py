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
from rater.study.instruments import instrument_of, register_file

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


# Lengths of the shipped recordings (ffprobe), so played share and speed flags work from the start.
DEMO_DURATIONS_MS = {
    "demo_homework_review.mp4": 59_000,
    "demo_thought_record.mp3": 57_600,
    "demo_mood_check.m4a": 26_225,
    "demo_closing_clip.mp4": 4_800,
}
# Colleagues of the two demo raters, whose ratings are already submitted (code, name, team 1 or 2).
COLLEAGUES = [("R03", "Jordan Lee", 1), ("R04", "Priya Nair", 1), ("R05", "Tom Berg", 1),
              ("R06", "Lena Vogel", 2), ("R07", "Omar Haddad", 2), ("R08", "Mei Tanaka", 2)]
RATERS_PER_SESSION = 3
# A level per session and an offset per colleague: agreement is high but not perfect.
SESSION_LEVEL = {("D01", 1): 0.3, ("D01", 2): 0.7, ("D01", 3): 0.5, ("D02", 1): 0.2, ("D02", 2): 0.9,
                 ("D02", 3): 0.6}
RATER_OFFSET = {"R03": 0.0, "R04": 0.12, "R05": -0.1, "R06": 0.05, "R07": -0.12, "R08": 0.1}


def is_empty(db: Database) -> bool:
    with db.reading() as s:
        return not s.scalar(select(func.count()).select_from(m.Study))


def demo_recordings() -> list[tuple[str, str]]:
    """(file name, kind) of the shipped demo recordings, longest (largest) first."""
    files = sorted((p for p in DEMO_MEDIA.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES),
                   key=lambda p: (-p.stat().st_size, p.name))
    return [(p.name, "audio" if p.suffix.lower() in AUDIO_SUFFIXES else "video") for p in files]


def create_demo_study(db: Database, full: bool = False) -> str:
    """Create the demo study; returns its id.

    ``full`` (what the app offers on first launch) also knows the recordings'
    lengths and checksums and adds six colleagues, so that every session has
    three raters and the colleagues' ratings are submitted: reliability,
    plots, quality flags and progress have something to show.  Without it
    (the tests' fixture) the study has only the two raters.
    """
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
                rec = m.Recording(path=name, kind=kind, size=(DEMO_MEDIA / name).stat().st_size)
                if full:
                    rec.duration_ms = DEMO_DURATIONS_MS.get(name)
                    rec.checksum = _checksum(DEMO_MEDIA / name)
                sess.recordings.append(rec)
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
        if full:
            _add_colleagues(s, study, {1: team1, 2: team2}, instruments, sessions, plan)
        audit.record(s, actor=actor, action="create", entity="study", entity_id=study.id,
                     field="demo", new=study.name, study_id=study.id)
        log.info("demo study created%s", " with colleagues' ratings" if full else "")
        return study.id


def _checksum(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()  # the demo files are small


def _add_colleagues(s, study: m.Study, teams: dict[int, m.Team], instruments: dict, sessions: dict,
                    plan: list) -> None:
    """Colleagues fill every rated session up to three raters, each rating submitted."""
    colleagues = {1: [], 2: []}
    for code, name, team_no in COLLEAGUES:
        rater = m.Rater(study_id=study.id, code=code, name=name)
        s.add(rater)
        s.flush()
        s.add(m.TeamMember(team_id=teams[team_no].id, rater_id=rater.id))
        colleagues[team_no].append(rater)
    for team in teams.values():
        team.raters_per_session = RATERS_PER_SESSION
    when = m.utcnow()
    position = len(plan)
    work = [(1, "hstbs", where) for where in sessions if where[1] <= 4]
    work += [(2, key, where) for key in ("hes_general", "hes_ct") for where in sessions if where[1] >= 2]
    for team_no, key, where in work:
        own = sum(1 for _r, _t, k, w in plan if (k, w) == (key, where))
        for rater in colleagues[team_no][: RATERS_PER_SESSION - own]:
            position += 1
            sess = sessions[where]
            a = m.Assignment(study_id=study.id, session_id=sess.id, rater_id=rater.id,
                             instrument_id=instruments[key].id, team_id=teams[team_no].id,
                             queue_position=position, status="submitted")
            s.add(a)
            s.flush()
            duration = sess.recordings[0].duration_ms or 60_000
            rating = m.Rating(assignment_id=a.id, submitted_at=when, last_position_ms=duration,
                              time_spent_ms=duration + 30_000, played_intervals=[[0, duration]],
                              played_ms=duration, recording_id=sess.recordings[0].id, revision=1)
            s.add(rating)
            s.flush()
            model = instrument_of(instruments[key])
            level = SESSION_LEVEL[where] + RATER_OFFSET[rater.code]
            for index, item in enumerate(model.items):
                if not model.item_applies(item.id, where[1]):
                    continue
                wobble = ((index * 7 + len(rater.code) + ord(rater.code[-1])) % 5 - 2) * 0.06
                share = max(0.0, min(1.0, level + wobble))
                s.add(m.ItemScore(rating_id=rating.id, item_id=item.id,
                                  value=item.min + round(share * (item.max - item.min))))
            actor = f"rater:{rater.code}"
            audit.record(s, actor=actor, action="create", entity="rating", entity_id=rating.id, field="status",
                         old="not_started", new="in_progress", study_id=study.id)
            audit.record(s, actor=actor, action="submit", entity="rating", entity_id=rating.id, field="status",
                         old="in_progress", new="submitted", study_id=study.id)
