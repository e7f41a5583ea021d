"""Tables of rater training: training material, gold ratings, certification, drift checks, consensus.

Gold and consensus live in their own tables (``gold_*``, ``consensus_*``) so the
shared PostgreSQL store can keep them from raters with row-level security, and
so a rater's own ratings are never altered by either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rater.storage.models import Base, new_id, utcnow


class TrainingMaterial(Base):
    """A session whose recording is used for training (never a study session)."""

    __tablename__ = "training_material"
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(16), default="practice")  # worked_example | practice
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GoldRating(Base):
    """The expert or consensus rating of one training session on one instrument."""

    __tablename__ = "gold_rating"
    __table_args__ = (UniqueConstraint("session_id", "instrument_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    source: Mapped[str] = mapped_column(String(16))  # csv | rating | consensus
    source_rating_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(200), default="coordinator")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    scores: Mapped[list[GoldScore]] = relationship(cascade="all, delete-orphan", order_by="GoldScore.item_id")
    marks: Mapped[list[GoldMark]] = relationship(cascade="all, delete-orphan", order_by="GoldMark.position_ms")


class GoldScore(Base):
    __tablename__ = "gold_score"
    __table_args__ = (UniqueConstraint("gold_rating_id", "item_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    gold_rating_id: Mapped[str] = mapped_column(ForeignKey("gold_rating.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int | None] = mapped_column(Integer)
    is_na: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")


class GoldMark(Base):
    """Evidence: where in the recording the gold rater saw it."""

    __tablename__ = "gold_mark"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    gold_rating_id: Mapped[str] = mapped_column(ForeignKey("gold_rating.id", ondelete="CASCADE"))
    position_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    item_id: Mapped[str] = mapped_column(String(64), default="")


class TrainingAssignment(Base):
    """What a training assignment is for: worked_example | practice | drift_open | drift_hidden | calibration."""

    __tablename__ = "training_assignment"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("calibration_meeting.id", ondelete="SET NULL"))


class CertificationCriterion(Base):
    """Pass mark for one instrument: share within ±1 and mean absolute difference over the last N."""

    __tablename__ = "certification_criterion"
    __table_args__ = (UniqueConstraint("study_id", "instrument_key"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    instrument_key: Mapped[str] = mapped_column(String(64))
    min_within1: Mapped[float] = mapped_column(Float)
    max_mad: Mapped[float] = mapped_column(Float)
    last_n: Mapped[int] = mapped_column(Integer)
    validity_days: Mapped[int | None] = mapped_column(Integer)


class DriftSchedule(Base):
    """Practice recordings slipped into a rater's queue during the rating period."""

    __tablename__ = "drift_schedule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    rater_id: Mapped[str] = mapped_column(ForeignKey("rater.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    mode: Mapped[str] = mapped_column(String(8))  # hidden | open
    every_sessions: Mapped[int | None] = mapped_column(Integer)
    every_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalibrationMeeting(Base):
    """A group calibration on one practice recording, kept with its date."""

    __tablename__ = "calibration_meeting"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ConsensusScore(Base):
    """The coordinator's consensus score for one study session and item; raters' ratings stay as they are."""

    __tablename__ = "consensus_score"
    __table_args__ = (UniqueConstraint("session_id", "instrument_id", "item_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int | None] = mapped_column(Integer)
    is_na: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="coordinator")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
