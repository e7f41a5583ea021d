"""Small per-study tables: the homework log, raters' marks and rater counts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select

from rater.export.dataset import StudyData
from rater.export.rating_tables import SESSION_COLUMNS
from rater.export.table import Column, Table, static_table
from rater.sort_keys import natural_key
from rater.stats import RaterBias
from rater.storage import models as m

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)


def homework_table(data: StudyData) -> Table:
    """Every homework log entry, by patient and session."""
    sessions = {s.id: s for s in data.sessions}
    with data.db.reading() as s:
        entries = s.execute(
            select(m.HomeworkEntry.session_id, m.HomeworkEntry.kind, m.HomeworkEntry.description,
                   m.HomeworkEntry.author, m.HomeworkEntry.created_at)
            .join(m.Session, m.Session.id == m.HomeworkEntry.session_id)
            .join(m.Patient, m.Patient.id == m.Session.patient_id)
            .where(m.Patient.study_id == data.study.id)
        ).all()
    entries = [e for e in entries if e[0] in sessions]  # practice sessions are not exported
    order = {x.id: i for i, x in enumerate(data.sessions)}
    entries.sort(key=lambda e: (order[e[0]], e[4]))
    rows = [(data.study.code, sessions[sid].patient, sessions[sid].number, sessions[sid].date, kind, text, author,
             created) for sid, kind, text, author, created in entries]
    columns = (*SESSION_COLUMNS,
               Column("kind", description="Homework type: cognitive, self_monitoring, behavioural or other"),
               Column("description", description="What was assigned in this session"),
               Column("author", description="Who wrote the entry"),
               Column("created_at", "datetime", "When the entry was written (UTC)"))
    return static_table("homework_log", "Homework log", columns, rows,
                        "Homework assigned in each session, as kept by the log-keeping team.")


def _included(data: StudyData, query):
    """Restrict a rating query to the study's included ratings."""
    query = query.where(m.Assignment.study_id == data.study.id, m.Assignment.purpose == "study")
    if not data.include_in_progress:
        query = query.where(m.Rating.submitted_at.is_not(None))
    return query


def marks_table(data: StudyData) -> Table:
    """Timestamped marks of the included ratings, with the item each is evidence for."""
    sessions = {s.id: s for s in data.sessions}
    instruments = data.instruments
    query = _included(data, select(m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
                                   m.Mark.position_ms, m.Mark.text, m.Mark.item_id, m.Mark.polarity,
                                   m.Mark.created_at)
                      .join(m.Rating, m.Rating.id == m.Mark.rating_id)
                      .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id))
    with data.db.reading() as s:
        marks = [row for row in s.execute(query).all() if row[0] in sessions]
    order = {x.id: i for i, x in enumerate(data.sessions)}
    marks.sort(key=lambda r: (order[r[0]], natural_key(data.raters[r[1]].code), r[3]))
    rows = []
    for sid, rater_id, inst_id, position, text, item_id, polarity, created in marks:
        sess = sessions[sid]
        rows.append((data.study.code, sess.patient, sess.number, sess.date, data.raters[rater_id].code,
                     instruments[inst_id].key, _clock(position), position / 1000.0, item_id,
                     polarity or None, text, created))
    columns = (*SESSION_COLUMNS,
               Column("rater", description="Rater code"),
               Column("instrument", description="Instrument of the rating the mark belongs to"),
               Column("position", description="Position in the recording (h:mm:ss or m:ss)"),
               Column("position_s", "float", "Position in the recording, seconds", "0.0"),
               Column("item", description="The item this mark is evidence for (blank: not tied to an item)"),
               Column("evidence", description="+ evidence for the item, - evidence against, blank untagged"),
               Column("text", description="The rater's note at that moment"),
               Column("created_at", "datetime", "When the mark was made (UTC)"))
    return static_table("marks", "Marks", columns, rows, "Moments raters marked in the recordings.")


def no_anchor_table(data: StudyData) -> Table:
    """Items where a rater found that no anchor text fits, with the rater's note."""
    sessions = {s.id: s for s in data.sessions}
    query = _included(data, select(m.Assignment.session_id, m.Assignment.rater_id, m.Assignment.instrument_id,
                                   m.ItemScore.item_id, m.ItemScore.value, m.ItemScore.no_anchor_note)
                      .join(m.Rating, m.Rating.id == m.ItemScore.rating_id)
                      .join(m.Assignment, m.Assignment.id == m.Rating.assignment_id)
                      .where(m.ItemScore.no_anchor.is_(True)))
    with data.db.reading() as s:
        ticks = [row for row in s.execute(query).all() if row[0] in sessions]
    order = {x.id: i for i, x in enumerate(data.sessions)}
    ticks.sort(key=lambda r: (data.instruments[r[2]].key, natural_key(r[3]), order[r[0]],
                              natural_key(data.raters[r[1]].code)))
    rows = [(data.study.code, sessions[sid].patient, sessions[sid].number, sessions[sid].date,
             data.raters[rater_id].code, data.instruments[inst_id].key, item_id, value, note or None)
            for sid, rater_id, inst_id, item_id, value, note in ticks]
    columns = (*SESSION_COLUMNS,
               Column("rater", description="Rater code"),
               Column("instrument", description="Instrument"),
               Column("item", description="Item where no anchor text fitted the session"),
               Column("score", "int", "The score the rater gave nonetheless (blank: none)"),
               Column("note", description="The rater's note on why no anchor fits"))
    return static_table("no_anchor", "No anchor fits", columns, rows,
                        "Items where a rater found no anchor fitting; material for the manual's addenda.")


def _clock(ms: int) -> str:
    seconds = max(0, int(ms)) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def raters_table(data: StudyData, bias: Sequence[RaterBias]) -> Table:
    """Per rater: teams, assignment counts by status, submission dates, bias flags."""
    per = _assignment_counts(data)
    spans = _submission_spans(data, per)
    flags: dict[str, list[str]] = {}
    for b in bias:
        if b.flagged:
            flags.setdefault(str(b.rater_id), []).append(f"{b.scale}: {'; '.join(b.flags)}")
    rows = []
    for rater in data.raters.values():
        c = per.get(rater.id, {})
        done = [c.get(k, 0) for k in ("not_started", "in_progress", "submitted")]
        first, last = spans.get(rater.id, (None, None))
        rows.append((rater.code, rater.name, ", ".join(rater.teams) or None, rater.active, sum(done), *done,
                     first, last, len(flags.get(rater.code, [])),
                     " | ".join(flags.get(rater.code, [])) or None))
    columns = (Column("rater", description="Rater code"), Column("name", description="Rater name"),
               Column("teams", description="Team membership"), Column("active", "bool", "Still active"),
               Column("assigned", "int", "Study assignments"), Column("not_started", "int", "Not yet opened"),
               Column("in_progress", "int", "Opened, not submitted"), Column("submitted", "int", "Submitted"),
               Column("first_submitted", "datetime", "First submission (UTC)"),
               Column("last_submitted", "datetime", "Latest submission (UTC)"),
               Column("flagged_scales", "int", "Scales on which the rater's bias or drift is flagged"),
               Column("flags", description="Why: see the Rater bias sheet"))
    return static_table("raters", "Raters", columns, rows, "Raters' workload and bias/drift flags.")


def _assignment_counts(data: StudyData) -> dict[str, dict[str, int]]:
    """Rater id -> status -> number of the rater's study assignments (every one, exported or not).

    Counted by the study's read where it saw every assignment (SQLite), else an aggregate
    over the assignment table alone: joining the ratings for their dates cost a
    million-score study 0.7 s, the dates come from the export's own read.
    """
    sc = data.scores
    if sc is not None and sc.workload is not None:  # counted by the study's read
        counts, names = sc.workload
        return {rater_id: {name: int(n) for name, n in zip(names, row.tolist(), strict=True) if n}
                for rater_id, row in zip(data.raters, counts, strict=True) if row.any()}
    with data.db.reading() as s:
        rows = s.execute(
            select(m.Assignment.rater_id, m.Assignment.status, func.count())
            .where(m.Assignment.study_id == data.study.id, m.Assignment.purpose == "study")
            .group_by(m.Assignment.rater_id, m.Assignment.status)).all()
    per: dict[str, dict[str, int]] = {}
    for rater_id, status, n in rows:
        per.setdefault(rater_id, {})[status] = n
    return per


def _submission_spans(data: StudyData, per: dict[str, dict[str, int]]
                      ) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Rater id -> (first, last) submission time over all the rater's study ratings.

    Submitting sets a rating's time and its assignment's status together (and
    reopening clears both), so where the export's ratings with a time number a
    rater's submitted assignments they are all of that rater's submitted
    ratings, and their times are already read. Other raters (a submitted
    rating without item scores, or of a session not exported) are looked up.
    """
    ids = list(data.raters)
    spans: dict[str, tuple[datetime | None, datetime | None]] = {}
    sc = data.scores
    if sc is not None and sc.n_ratings:
        timed = ~np.isnan(sc.submitted)
        rater, when = sc.rater[timed], sc.submitted[timed]
        counted = np.bincount(rater, minlength=len(ids))
        lo = np.full(len(ids), np.inf)
        hi = np.full(len(ids), -np.inf)
        np.minimum.at(lo, rater, when)
        np.maximum.at(hi, rater, when)
        for i, rater_id in enumerate(ids):
            if counted[i] == per.get(rater_id, {}).get("submitted", 0):
                spans[rater_id] = (_moment(lo[i]), _moment(hi[i])) if counted[i] else (None, None)
    unsure = [rater_id for rater_id in ids if rater_id not in spans]
    if unsure:
        with data.db.reading() as s:
            found = s.execute(
                select(m.Assignment.rater_id, func.min(m.Rating.submitted_at), func.max(m.Rating.submitted_at))
                .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
                .where(m.Assignment.study_id == data.study.id, m.Assignment.purpose == "study",
                       m.Assignment.rater_id.in_(unsure), m.Rating.submitted_at.is_not(None))
                .group_by(m.Assignment.rater_id)).all()
        spans.update({rater_id: (first, last) for rater_id, first, last in found})
    return spans


def _moment(seconds: float) -> datetime:
    """A time the study reader holds (seconds since 1970, UTC) as the naive UTC datetime stored."""
    return _EPOCH + timedelta(seconds=float(seconds))


def rater_bias_table(bias: Sequence[RaterBias]) -> Table:
    """One row per rater and scale: bias against the other raters and drift over time."""
    ordered = sorted(bias, key=lambda b: (natural_key(str(b.rater_id)), b.scale))
    rows = [(str(b.rater_id), b.scale, b.n_sessions, b.bias, b.bias_first_half, b.bias_second_half,
             b.drift_slope_per_day, b.drift_p, b.flagged, "; ".join(b.flags) or None, b.reason)
            for b in ordered]
    columns = (Column("rater", description="Rater code"),
               Column("scale", description="Scale (see Codebook)"),
               Column("n_sessions", "int", "Sessions shared with at least one other rater"),
               Column("bias", "float", "Mean of (rater's score - mean of the other raters' scores)", "0.000"),
               Column("bias_first_half", "float", "Bias over the earlier half of the rater's ratings", "0.000"),
               Column("bias_second_half", "float", "Bias over the later half", "0.000"),
               Column("drift_per_day", "float", "Least-squares slope of the difference per day", "0.0000"),
               Column("drift_p", "float", "Two-sided p of the drift slope"),
               Column("flagged", "bool", "Bias beyond the threshold or significant drift"),
               Column("flags", description="Which flag and why"),
               Column("notes", description="Why a value is blank"))
    return static_table("rater_bias", "Rater bias", columns, rows,
                        "Each rater against the other raters of the same sessions, per scale.")

