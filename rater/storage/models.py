"""The database schema: every table of the product.

Every row has a UUID primary key so ratings made on different desktops can be
pooled without collisions; display names (codes) are separate columns.
Times are stored as naive UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


class Study(Base):
    __tablename__ = "study"
    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # media_root, min_played_fraction, raters_per_session, hidden_fields …
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InstrumentRecord(Base):
    """A stored instrument file version (the definition itself is :class:`rater.instruments.model.Instrument`)."""

    __tablename__ = "instrument"
    __table_args__ = (UniqueConstraint("key", "version", "content_hash"),)
    id: Mapped[str] = _id()
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("study_id", "name"),)
    id: Mapped[str] = _id()
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    raters_per_session: Mapped[int] = mapped_column(Integer, default=3)
    keeps_homework_log: Mapped[bool] = mapped_column(Boolean, default=False)
    instruments: Mapped[list[TeamInstrument]] = relationship(cascade="all, delete-orphan")


class TeamInstrument(Base):
    """A team rates ``instrument`` on session numbers in [session_min, session_max]."""

    __tablename__ = "team_instrument"
    __table_args__ = (UniqueConstraint("team_id", "instrument_id"),)
    id: Mapped[str] = _id()
    team_id: Mapped[str] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    session_min: Mapped[int | None] = mapped_column(Integer)
    session_max: Mapped[int | None] = mapped_column(Integer)


class Rater(Base):
    __tablename__ = "rater"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[str] = _id()
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TeamMember(Base):
    __tablename__ = "team_member"
    team_id: Mapped[str] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    rater_id: Mapped[str] = mapped_column(ForeignKey("rater.id", ondelete="CASCADE"), primary_key=True)


class Patient(Base):
    __tablename__ = "patient"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[str] = _id()
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # Study-defined metadata; keys listed in study.settings["hidden_fields"] are never shown to raters.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Session(Base):
    """One therapy session (``number`` within the patient's treatment)."""

    __tablename__ = "session"
    __table_args__ = (UniqueConstraint("patient_id", "number"),)
    id: Mapped[str] = _id()
    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date | None] = mapped_column(Date)
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The part of the recording to rate (ms; None = from the start / to the end); see rater.study.rating.segments.
    segment_start_ms: Mapped[int | None] = mapped_column(Integer)
    segment_end_ms: Mapped[int | None] = mapped_column(Integer)
    patient: Mapped[Patient] = relationship()
    recordings: Mapped[list[Recording]] = relationship(
        order_by="Recording.priority", cascade="all, delete-orphan"
    )


class Recording(Base):
    """A media file of a session; never copied, located by path + checksum."""

    __tablename__ = "recording"
    id: Mapped[str] = _id()
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)  # relative to the study's media root, or absolute
    kind: Mapped[str] = mapped_column(String(8))  # "video" | "audio"
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 = preferred, higher = fallback
    size: Mapped[int | None] = mapped_column(Integer)
    checksum: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("session_id", "rater_id", "instrument_id"),
        Index("ix_assignment_rater", "rater_id", "queue_position"),
    )
    id: Mapped[str] = _id()
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    rater_id: Mapped[str] = mapped_column(ForeignKey("rater.id"))
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instrument.id"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"))
    queue_position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    purpose: Mapped[str] = mapped_column(String(16), default="study")  # study | practice
    segment_start_ms: Mapped[int | None] = mapped_column(Integer)  # overrides the session's segment
    segment_end_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    session: Mapped[Session] = relationship()
    rater: Mapped[Rater] = relationship()
    instrument: Mapped[InstrumentRecord] = relationship()


class Rating(Base):
    """One rater's rating of one assignment; ``revision`` grows with every change."""

    __tablename__ = "rating"
    id: Mapped[str] = _id()
    assignment_id: Mapped[str] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), unique=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_position_ms: Mapped[int] = mapped_column(Integer, default=0)
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Union of played stretches [[start, end], …] in ms; played fraction = covered / duration.
    played_intervals: Mapped[list[Any]] = mapped_column(default=list)
    played_ms: Mapped[int] = mapped_column(Integer, default=0)
    recording_id: Mapped[str | None] = mapped_column(ForeignKey("recording.id", ondelete="SET NULL"))
    # The length the player reported while rating: the played share is known even
    # when the import could not read it (rater.study.rating.submit_checks).
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # What the rater was told before submitting and how they confirmed (also audited).
    submit_notice: Mapped[dict[str, Any] | None] = mapped_column()
    scores: Mapped[list[ItemScore]] = relationship(cascade="all, delete-orphan")
    marks: Mapped[list[Mark]] = relationship(order_by="Mark.position_ms", cascade="all, delete-orphan")


class ItemScore(Base):
    __tablename__ = "item_score"
    __table_args__ = (UniqueConstraint("rating_id", "item_id"),)
    id: Mapped[str] = _id()
    rating_id: Mapped[str] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int | None] = mapped_column(Integer)
    is_na: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The rater found no anchor text that fits this session (feeds the manual's addenda).
    no_anchor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    no_anchor_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class Mark(Base):
    """A timestamped moment a rater noted ("12:41 therapist assigns thought record")."""

    __tablename__ = "mark"
    id: Mapped[str] = _id()
    rating_id: Mapped[str] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"))
    position_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Evidence: the item this moment speaks to, and "+" (for) / "-" (against) / "" (untagged).
    item_id: Mapped[str | None] = mapped_column(String(64))
    polarity: Mapped[str] = mapped_column(String(1), default="", server_default="")


class RaterPreference(Base):
    """A rater's player settings (speed, volume, shortcuts), wherever they rate."""

    __tablename__ = "rater_preference"
    rater_id: Mapped[str] = mapped_column(ForeignKey("rater.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class HomeworkEntry(Base):
    __tablename__ = "homework_entry"
    id: Mapped[str] = _id()
    session_id: Mapped[str] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # cognitive | self_monitoring | behavioural | other
    description: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """One change: who, when, what, old → new. Never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Mapped[str] = _id()
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # "rater:<code>" or "coordinator"
    desktop: Mapped[str] = mapped_column(String(200), default="")
    study_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | submit | reopen
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100), default="")
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")


class Setting(Base):
    """Application-wide key/value settings (e.g. the coordinator password hash)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RatingConflict(Base):
    """A version of a rating from a package that diverged from the stored one.

    Pooling never overwrites a rating with a version that does not descend from
    it; the incoming version waits here (complete, with its audit events) until
    a coordinator keeps one side. ``replaced`` holds the stored version when the
    incoming one was kept, so neither side is ever lost.
    """

    __tablename__ = "rating_conflict"
    __table_args__ = (Index("ix_rating_conflict_assignment", "assignment_id"),)
    id: Mapped[str] = _id()
    study_id: Mapped[str] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    stored_rating_id: Mapped[str] = mapped_column(String(36))
    incoming_rating_id: Mapped[str] = mapped_column(String(36))
    incoming: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    package_id: Mapped[str] = mapped_column(String(36))
    package_file: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))  # stored | incoming
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class MarkLink(Base):
    """Which rating a mark belongs to, remembered after the mark is deleted.

    Mark audit events name only the mark, so once a mark row is gone its
    events could no longer be traced to their rating; pooling needs them to
    tell whether one version of a rating descends from another.
    """

    __tablename__ = "mark_link"
    mark_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(36), index=True)


# Tables kept in their own modules, imported here so ``models`` names every table.
# Training tables live in their own module; imported here so Base.metadata holds every table.
from rater.storage import models_training  # noqa: E402,F401
from rater.storage.models_roles import DbRole  # noqa: E402, F401
