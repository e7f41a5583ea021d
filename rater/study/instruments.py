"""Instruments stored in a study database (content + version + hash)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rater.instruments import loader
from rater.instruments.model import Instrument
from rater.storage import models as m


def register_file(session: Session, path: str | Path) -> m.InstrumentRecord:
    """Store a validated instrument file; the same content is stored only once."""
    _instrument, data = loader.load_file(path)
    return register_data(session, data)


def register_data(session: Session, data: dict) -> m.InstrumentRecord:
    digest = loader.content_hash(data)
    existing = session.scalar(
        select(m.InstrumentRecord).where(
            m.InstrumentRecord.key == data["id"],
            m.InstrumentRecord.version == data["version"],
            m.InstrumentRecord.content_hash == digest,
        )
    )
    if existing is not None:
        return existing
    row = m.InstrumentRecord(
        key=data["id"], version=data["version"], name=data["name"], content=data, content_hash=digest
    )
    session.add(row)
    session.flush()
    return row


# Built instruments by content hash: the hash names the content exactly, so the
# autosave path never re-serialises or re-builds an instrument it has seen.
_BUILT: dict[str, Instrument] = {}


def instrument_of(row: m.InstrumentRecord) -> Instrument:
    return built_instrument(row.content_hash, row.content)


def built_instrument(content_hash: str, content: dict) -> Instrument:
    """The instrument for stored content, built once per content hash."""
    built = _BUILT.get(content_hash)
    if built is None:
        # Stored content was validated when it was registered; building is enough.
        built = _BUILT[content_hash] = loader.build(content)
    return built
