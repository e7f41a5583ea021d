"""Building a small study, rating through the Workstation, and comparing databases."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rater.instruments.loader import load_data
from rater.pooling.snapshot import snapshot, state
from rater.storage import models as m
from rater.storage.database import Database
from rater.study.instruments import register_data
from rater.study.rating.pins import hash_pin
from rater.study.rating.workstation import Workstation

SCALE = {
    "format": 1,
    "id": "pool_scale",
    "version": "1.0",
    "name": "Pooling test scale",
    "items": [
        {"id": "q1", "text": "First", "min": 0, "max": 4},
        {"id": "q2", "text": "Second", "min": 0, "max": 4},
        {"id": "q3", "text": "Third", "min": 0, "max": 4},
        {"id": "q4", "text": "Sometimes not applicable", "min": 0, "max": 4, "na_allowed": True},
    ],
    "scales": [{"id": "total", "name": "Total", "items": ["q1", "q2", "q3"], "method": "mean"}],
}
load_data(SCALE)  # the test instrument must itself be valid


def scale(version: str = "1.0") -> dict[str, Any]:
    return {**SCALE, "version": version}


def write_media(folder: Path, patients: int, sessions: int) -> dict[tuple[int, int], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for p in range(1, patients + 1):
        for n in range(1, sessions + 1):
            path = folder / f"P{p}" / f"P{p}_S{n}.mp4"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(os.urandom(2048 + 97 * p + n))
            files[(p, n)] = path
    return files


def build_study(db: Database, media: Path, raters: int = 3, patients: int = 2, sessions: int = 2,
                code: str = "POOL") -> str:
    """A study where every rater rates every session (recordings with size and checksum)."""
    files = write_media(media, patients, sessions)
    with db.transaction() as s:
        study = m.Study(name="Pooling test", code=code, settings={"media_root": str(media)})
        s.add(study)
        s.flush()
        inst = register_data(s, scale())
        team = m.Team(study_id=study.id, name="Team 1")
        s.add(team)
        s.flush()
        s.add(m.TeamInstrument(team_id=team.id, instrument_id=inst.id, session_min=1, session_max=sessions))
        rows = []
        for r in range(1, raters + 1):
            rater = m.Rater(study_id=study.id, code=f"R{r:02d}", name=f"Rater {r}",
                            pin_hash=hash_pin("1234") if r == 1 else None)
            s.add(rater)
            s.flush()
            s.add(m.TeamMember(team_id=team.id, rater_id=rater.id))
            rows.append(rater)
        position = 0
        for p in range(1, patients + 1):
            patient = m.Patient(study_id=study.id, code=f"P{p}", meta={"condition": "A" if p % 2 else "B"})
            s.add(patient)
            s.flush()
            for n in range(1, sessions + 1):
                sess = m.Session(patient_id=patient.id, number=n)
                path = files[(p, n)]
                data = path.read_bytes()
                sess.recordings.append(m.Recording(path=path.relative_to(media).as_posix(), kind="video",
                                                   size=len(data), checksum=hashlib.sha256(data).hexdigest(),
                                                   duration_ms=60_000))
                s.add(sess)
                s.flush()
                s.add(m.HomeworkEntry(session_id=sess.id, kind="cognitive", description=f"Thought record {p}/{n}",
                                      author="coordinator"))
                for rater in rows:
                    s.add(m.Assignment(study_id=study.id, session_id=sess.id, rater_id=rater.id,
                                       instrument_id=inst.id, team_id=team.id, queue_position=position))
                    position += 1
        return study.id


def rater_id(db: Database, code: str) -> str:
    with db.reading() as s:
        return s.scalar(select(m.Rater.id).where(m.Rater.code == code))


def queue(db: Database, code: str) -> list[str]:
    """The rater's assignment ids in queue order."""
    return [e.assignment_id for e in Workstation(db).queue(rater_id(db, code))]


def rate(db: Database, code: str, assignment_id: str, values: dict[str, int | None], *, na: tuple[str, ...] = (),
         notes: dict[str, str] | None = None, marks: tuple[tuple[int, str], ...] = (), play: int = 0,
         submit: bool = False) -> str:
    """Rate through the Workstation as a rater would; returns the rating id."""
    ws, who = Workstation(db), rater_id(db, code)
    view = ws.open(assignment_id, who)
    for item, value in values.items():
        ws.set_response(assignment_id, who, item, value)
    for item in na:
        ws.set_response(assignment_id, who, item, None, is_na=True)
    for item, text in (notes or {}).items():
        ws.set_note(assignment_id, who, item, text)
    for position, text in marks:
        ws.add_mark(assignment_id, who, position, text)
    if play:
        ws.save_playback(assignment_id, who, play, time_spent_delta_ms=play, played=[[0, play]])
    if submit:
        ws.submit(assignment_id, who)
    return view.rating_id


def rating_state(db: Database, rating_id: str) -> dict[str, Any]:
    """A rating's complete content plus its history, as the pooling code sees it."""
    with db.reading() as s:
        snap = snapshot(s, s.get(m.Rating, rating_id))
        return {**state(snap), "events": snap["events"]}


def ratings_of(db: Database) -> dict[str, dict[str, Any]]:
    with db.reading() as s:
        ids = list(s.scalars(select(m.Rating.id)))
    return {rid: rating_state(db, rid) for rid in ids}


# Tables whose content must not depend on the order packages were imported in.
DUMP_TABLES = ("rating", "item_score", "mark", "mark_link", "audit_event")


def dump(db: Database) -> dict[str, list[str]]:
    """A canonical dump of the rating tables (+ assignment status); import-log events left out."""
    out: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for name in DUMP_TABLES:
            table = m.Base.metadata.tables[name]
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            if name == "audit_event":
                rows = [r for r in rows if r["entity"] in ("rating", "mark")]
            out[name] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
        table = m.Base.metadata.tables["assignment"]
        out["assignment"] = sorted(f"{r.id}:{r.status}" for r in conn.execute(select(table.c.id, table.c.status)))
        table = m.Base.metadata.tables["rating_conflict"]
        out["rating_conflict"] = sorted(
            json.dumps([r.assignment_id, r.incoming_rating_id, r.incoming, r.resolution], sort_keys=True)
            for r in conn.execute(select(table))
        )
    return out
