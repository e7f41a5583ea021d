"""Progress of a study per team, rater and session, with quality flags on submitted ratings.

Flags: a rating submitted after playing less than the study's share of the
recording (``min_played_fraction``, default 80%), or in less time than the
recording takes at the fastest speed (2×).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.playback import played_fraction
from rater.study.segments import segment_of

MAX_SPEED = 2.0
DEFAULT_MIN_PLAYED = 0.8


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


def quality_flags(rating: m.Rating, duration_ms: int | None, min_played: float,
                  segment: tuple[int, int | None] | None = None) -> list[str]:
    if rating is None or rating.submitted_at is None or not duration_ms:
        return []
    out = []
    fraction = played_fraction([list(x) for x in rating.played_intervals], duration_ms, segment)
    if fraction is not None and fraction < min_played:
        out.append(f"submitted after playing {fraction:.0%} of the recording (study minimum {min_played:.0%})")
    if segment is not None:  # only the segment needs to be heard
        duration_ms = max(0, min(segment[1] or duration_ms, duration_ms) - segment[0]) or duration_ms
    if rating.time_spent_ms < duration_ms / MAX_SPEED:
        out.append(f"rated in {_minutes(rating.time_spent_ms)}; the recording lasts {_minutes(duration_ms)} "
                   f"(at least {_minutes(int(duration_ms / MAX_SPEED))} at 2x speed)")
    return out


def study_progress(db: Database, study_id: str) -> StudyProgress:
    with db.reading() as s:
        study = s.get(m.Study, study_id)
        min_played = float(study.settings.get("min_played_fraction", DEFAULT_MIN_PLAYED))
        rows = s.execute(
            select(m.Assignment, m.Rater, m.Team.name, m.Session, m.Patient.code, m.Instrument.name, m.Rating)
            .join(m.Rater, m.Rater.id == m.Assignment.rater_id)
            .outerjoin(m.Team, m.Team.id == m.Assignment.team_id)
            .join(m.Session, m.Session.id == m.Assignment.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .join(m.Instrument, m.Instrument.id == m.Assignment.instrument_id)
            .outerjoin(m.Rating, m.Rating.assignment_id == m.Assignment.id)
            .where(m.Assignment.study_id == study_id, m.Assignment.purpose == "study")
            .order_by(m.Patient.code, m.Session.number, m.Rater.code)
        ).all()
        durations = dict(s.execute(
            select(m.Recording.session_id, m.Recording.duration_ms).order_by(m.Recording.priority.desc())
        ).all())
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
            for message in quality_flags(rating, durations.get(sess.id), min_played, segment_of(s, a)):
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
