"""Training sheets of the export: practice against gold, certification, drift bias, calibration, consensus.

Added to the workbook and the CSV folder only when the study has training
material or consensus scores, so a study without training exports exactly as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from rater.export.dataset import StudyData
from rater.export.table import Column, Table, static_table
from rater.storage import models as m
from rater.storage import models_training as t
from rater.study.training import calibration, certification, drift

log = logging.getLogger(__name__)

RATER = Column("rater", description="Rater code")
RECORDING = Column("recording", description="Training recording as PATIENT:SESSION")
INSTRUMENT = Column("instrument", description="Instrument key")
KIND = Column("kind", description="practice, drift_open, drift_hidden or calibration")


def has_training(data: StudyData) -> bool:
    with data.db.reading() as s:
        material = s.scalar(select(func.count()).select_from(t.TrainingMaterial)
                            .where(t.TrainingMaterial.study_id == data.study.id))
        consensus = s.scalar(select(func.count()).select_from(t.ConsensusScore)
                             .join(m.Session, m.Session.id == t.ConsensusScore.session_id)
                             .join(m.Patient, m.Patient.id == m.Session.patient_id)
                             .where(m.Patient.study_id == data.study.id))
    return bool(material or consensus)


def training_tables(data: StudyData) -> list[Table]:
    """The training tables of the study, or none when it has no training."""
    if not has_training(data):
        return []
    with data.db.reading() as s:
        now = m.utcnow()
        scored = certification.scored_ratings(s, data.study.id)
        statuses = certification.statuses(s, data.study.id, now)
    codes = {r.id: r.code for r in data.raters.values()}
    return [_agreement(scored, codes), _items(scored, codes), _certification(statuses),
            _decisions(statuses), _bias(data), _calibration(data), _consensus(data)]


def _agreement(scored, codes) -> Table:
    rows = [(codes.get(x.rater_id, x.rater_id), x.label, x.instrument_key, x.kind, x.submitted_at, x.agreement.n,
             x.agreement.exact, x.agreement.within1, x.agreement.mad) for x in scored]
    columns = (RATER, RECORDING, INSTRUMENT, KIND, Column("submitted_at", "datetime", "When submitted (UTC)"),
               Column("items", "int", "Items compared with gold (both a value, item applies)"),
               Column("exact", "float", "Share of items equal to gold", "0.00"),
               Column("within1", "float", "Share of items within ±1 of gold", "0.00"),
               Column("mad", "float", "Mean absolute difference from gold (item points)", "0.00"))
    return static_table("training_agreement", "Training agreement", columns, rows,
                        "One row per submitted practice, drift check or calibration rating: agreement with gold.")


def _items(scored, codes) -> Table:
    rows = [(codes.get(x.rater_id, x.rater_id), x.label, x.instrument_key, x.kind, item, d)
            for x in scored for item, d in sorted(x.item_diffs.items())]
    columns = (RATER, RECORDING, INSTRUMENT, KIND, Column("item", description="Item id"),
               Column("difference", "int", "Rater's score minus the gold score"))
    return static_table("training_items", "Training items", columns, rows,
                        "Every compared item of every scored training rating: rater minus gold.")


def _certification(statuses) -> Table:
    rows = []
    for st in statuses:
        a = st.latest.agreement if st.latest else None
        rows.append((st.rater_code, st.instrument_key, st.state, st.since, st.expires_at,
                     st.latest.window if st.latest else 0, a.within1 if a else None, a.mad if a else None,
                     st.criterion.describe() if st.criterion else ""))
    columns = (RATER, INSTRUMENT, Column("status", description="certified, expired or not_certified"),
               Column("since", "datetime", "Certified since (UTC)"),
               Column("expires_at", "datetime", "Certification ends (UTC); empty: no expiry"),
               Column("window", "int", "Practice recordings in the latest decision"),
               Column("within1", "float", "Share within ±1 over the window", "0.00"),
               Column("mad", "float", "Mean absolute difference over the window", "0.00"),
               Column("criterion", description="The criterion applied"))
    return static_table("certification", "Certification", columns, rows,
                        "Each rater's certification per instrument, with the figures of the latest decision.")


def _decisions(statuses) -> Table:
    rows = [(st.rater_code, st.instrument_key, d.at, d.label, d.kind, d.window, d.agreement.within1, d.agreement.mad,
             d.passed) for st in statuses for d in st.history]
    columns = (RATER, INSTRUMENT, Column("at", "datetime", "When the deciding rating was submitted (UTC)"),
               RECORDING, KIND, Column("window", "int", "Practice recordings counted"),
               Column("within1", "float", "Share within ±1 over the window", "0.00"),
               Column("mad", "float", "Mean absolute difference over the window", "0.00"),
               Column("passed", "bool", "Whether the criterion was met"))
    return static_table("certification_history", "Certification history", columns, rows,
                        "Every certification decision: one per submitted scored training rating.")


def _bias(data: StudyData) -> Table:
    drifts, _crit = drift.drift_view(data.db, data.study.id)
    rows = [(d.rater_code, d.instrument_key, item, value, len(d.points), d.flagged)
            for d in drifts for item, value in sorted(d.bias.items())]
    columns = (RATER, INSTRUMENT, Column("item", description="Item id"),
               Column("bias", "float", "Mean of rater minus gold over the rater's scored training", "0.00"),
               Column("ratings", "int", "Scored training ratings"),
               Column("flagged", "bool", "Below the certification criterion now"))
    return static_table("drift_bias", "Drift bias", columns, rows,
                        "Bias by item against gold over each rater's practice and drift checks.")


def _calibration(data: StudyData) -> Table:
    rows = [(mt.opened_at, mt.title, mt.label, mt.instrument_name, row.item_id, row.gold, code, value)
            for mt in calibration.meetings(data.db, data.study.id) if mt.revealed
            for row in mt.rows for code, value in row.scores.items()]
    columns = (Column("opened_at", "datetime", "When the calibration was opened (UTC)"),
               Column("title", description="Title given by the coordinator"), RECORDING,
               Column("instrument_name", description="Instrument"), Column("item", description="Item id"),
               Column("gold", "int", "Gold score"), RATER, Column("score", "int", "The rater's score"))
    return static_table("calibration", "Calibration", columns, rows,
                        "Calibration meetings whose board was shown: every rater's score beside the gold.")


def _consensus(data: StudyData) -> Table:
    sessions = {x.id: x for x in data.sessions}
    with data.db.reading() as s:
        consensus = s.execute(select(t.ConsensusScore, m.InstrumentRecord.key)
                              .join(m.InstrumentRecord, m.InstrumentRecord.id == t.ConsensusScore.instrument_id)).all()
        means = {(sid, iid, item): (total / n, n) for sid, iid, item, total, n in s.execute(
            select(m.Assignment.session_id, m.Assignment.instrument_id, m.ItemScore.item_id,
                   func.sum(m.ItemScore.value), func.count(m.ItemScore.value))
            .join(m.Rating, m.Rating.assignment_id == m.Assignment.id)
            .join(m.ItemScore, m.ItemScore.rating_id == m.Rating.id)
            .where(m.Assignment.study_id == data.study.id, m.Assignment.purpose == "study",
                   m.Assignment.status == "submitted", m.ItemScore.value.is_not(None))
            .group_by(m.Assignment.session_id, m.Assignment.instrument_id, m.ItemScore.item_id)) if n}
    rows = []
    for c, key in consensus:
        sess = sessions.get(c.session_id)
        if sess is None:
            continue
        mean, n = means.get((c.session_id, c.instrument_id, c.item_id), (None, 0))
        rows.append((data.study.code, sess.patient, sess.number, key, c.item_id, c.value, mean, n, c.note))
    rows.sort(key=lambda r: (r[1], r[2], r[3], r[4]))
    columns = (Column("study", description="Study code"), Column("patient", description="Patient code"),
               Column("session_number", "int", "Session number"), INSTRUMENT, Column("item", description="Item id"),
               Column("consensus", "int", "Consensus score recorded by the coordinator"),
               Column("raters_mean", "float", "Mean of the raters' submitted scores (unchanged)", "0.00"),
               Column("raters", "int", "Raters with a score"), Column("note", description="Why, as recorded"))
    return static_table("consensus", "Consensus", columns, rows,
                        "Consensus scores per study session and item, beside the raters' mean; ratings are not "
                        "changed by them.")


