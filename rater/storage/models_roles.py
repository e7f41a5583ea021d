"""Database roles of the shared PostgreSQL store (see :mod:`rater.storage.roles`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from rater.storage.models import Base, utcnow


class DbRole(Base):
    """A PostgreSQL login role and whom it is: one rater (``kind`` "rater") or a coordinator.

    Row-level security reads this table to decide which rows a connected role
    may see; on SQLite it stays empty.
    """

    __tablename__ = "db_role"
    role_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # rater | coordinator
    rater_id: Mapped[str | None] = mapped_column(ForeignKey("rater.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
