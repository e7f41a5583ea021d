"""Progress of a study per team, rater and session, with quality flags on submitted ratings.

Flags: a rating submitted after playing less than the study's share of the
recording (``min_played_fraction``, default 80%), with none of it played, or
in less time than the recording takes at the fastest speed (2×). The length is
the imported one, else the one the player reported while rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.rating.playback import segment_share
from rater.study.rating.segments import segment_of
from rater.study.rating.submit_checks import SubmitCheck, known_duration, min_played_of

MAX_SPEED = 2.0


@dataclass
class Counts:
    name: str
    assigned: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0
    time_spent_ms: int = 0

    def add(self, status: str, time_ms: int) -> None:
        self.assigned += 1
        setattr(self, status, getattr(self, status) + 1)
        self.time_spent_ms += time_ms

    @property
    def percent_done(self) -> float:
        return 100.0 * self.submitted / self.assigned if self.assigned else 0.0


@dataclass(frozen=True)
class Flag:
    assignment_id: str
    rater: str
    patient: str
    session_number: int
    instrument: str
    message: str


@dataclass
class StudyProgress:
    study_name: str
    teams: list[Counts] = field(default_factory=list)
    raters: list[Counts] = field(default_factory=list)
    sessions: list[Counts] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


def _minutes(ms: int) -> str:
    return f"{ms / 60000:.1f} min"


def quality_flags(rating: m.Rating | None, duration_ms: int | None, min_played: float,
                  segment: tuple[int, int | None] | None = None) -> list[str]:
    """Messages for a submitted rating played too little, too fast, or not at all.

    With a ``segment`` only that stretch of the recording counts.
    """
    if rating is None or rating.submitted_at is None:
        return []
    notice = rating.submit_notice or {}
    played_ms, span_ms = segment_share([list(x) for x in rating.played_intervals], duration_ms, segment)
    check = SubmitCheck(played_ms, span_ms, min_played)
    what = "segment" if segment is not None else "recording"
    if check.unplayed:
        reason = notice.get("reason")
        said = f'; the rater wrote: "{reason}"' if reason else ""
        return [f"submitted without any of the {what} played{said}"]
    out = []
    if check.short:
        told = "; the rater was told and submitted anyway" if notice.get("told_short") else ""
        out.append(f"submitted after playing {check.played_fraction:.0%} of the {what} "
                   f"(study minimum {min_played:.0%}){told}")
    if span_ms and rating.time_spent_ms < span_ms / MAX_SPEED:
        out.append(f"rated in {_minutes(rating.time_spent_ms)}; the {what} lasts {_minutes(span_ms)} "
                   f"(at least {_minutes(int(span_ms / MAX_SPEED))} at 2x speed)")
    return out


def study_progress(db: Database, study_id: str) -> StudyProgress:
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        min_played = min_played_of(study)
        rows = s.execute(
            select(m.Assignment, m.Rater, m.Team.name, m.Session, m.Patient.code, m.InstrumentRecord.name, m.Rating)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .outerjoin(m.Team, m.Team.id == m.Assignment.team_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.InstrumentRecord, m.InstrumentRecord.id == m.Assignment.instrument_id)
            .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
            .where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
            .order_by(m.Patient.code, m.Session.number, m.Rater.code)
        ).all()
        # Imported lengths by recording, and each session's first-choice recording
        # (lowest priority number), read once rather than per rating.
        by_recording: dict[str, int | None] = {}
        by_session: dict[str, int | None] = {}
        for rec_id, session_id, duration in s.execute(
            select(m.Recording.id, m.Recording.session_id, m.Recording.duration_ms)
            .order_by(m.Recording.priority.desc())
        ):
            by_recording[rec_id] = by_session[session_id] = duration
        teams: dict[str, Counts] = {}
        raters: dict[str, Counts] = {}
        sessions: dict[str, Counts] = {}
        progress = StudyProgress(study.name)
        for a, rater, team, sess, patient, instrument, rating in rows:
            spent = rating.time_spent_ms if rating else 0
            teams.setdefault(team or "(no team)", Counts(team or "(no team)")).add(a.status, spent)
            raters.setdefault(rater.id, Counts(f"{rater.code} {rater.name}")).add(a.status, spent)
            counts = sessions.setdefault(sess.id, Counts(f"{patient} session {sess.number}"))
            counts.add(a.status, spent)
            imported = (by_recording[rating.recording_id] if rating is not None and rating.recording_id in by_recording
                        else by_session.get(sess.id))
            duration = known_duration(rating, imported) if rating is not None else None
            for message in quality_flags(rating, duration, min_played, segment_of(s, a)):
                progress.flags.append(Flag(a.id, rater.code, patient, sess.number, instrument, message))
        progress.teams = sorted(teams.values(), key=lambda c: c.name)
        progress.raters = sorted(raters.values(), key=lambda c: c.name)
        progress.sessions = list(sessions.values())
        return progress


def format_progress(p: StudyProgress, sessions: bool = False) -> str:
    """The plain-text summary printed by ``rater status``."""
    def table(title: str, rows: list[Counts]) -> list[str]:
        out = [title, f"  {'':28} {'assigned':>8} {'not st.':>8} {'in prog.':>8} {'submitted':>9} {'done':>6} {'time':>9}"]
        for c in rows:
            out.append(f"  {c.name[:28]:28} {c.assigned:8d} {c.not_started:8d} {c.in_progress:8d} "
                       f"{c.submitted:9d} {c.percent_done:5.0f}% {c.time_spent_ms / 3_600_000:7.1f} h")
        return out

    lines = [f"Study: {p.study_name}", ""]
    lines += table("Teams", p.teams) + [""] + table("Raters", p.raters)
    if sessions:
        lines += [""] + table("Sessions", p.sessions)
    lines += ["", f"Quality flags ({len(p.flags)})"]
    lines += [f"  {f.rater} {f.patient} session {f.session_number} {f.instrument}: {f.message}" for f in p.flags]
    if not p.flags:
        lines.append("  none")
    return "\n".join(lines)
