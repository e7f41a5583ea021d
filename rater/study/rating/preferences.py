"""A rater's player preferences (speed, volume, own shortcuts), kept in the study database.

Stored in the database rather than on the desktop so that they follow the
rater to whichever desktop of a shared (PostgreSQL) study they sit at.  Not
audited: they are comfort settings, not study data.
"""

from __future__ import annotations

import logging
from typing import Any

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.errors import NotFound

log = logging.getLogger(__name__)


def rater_preferences(db: Database, rater_id: str) -> dict[str, Any]:
    """The rater's stored preferences (empty when none were saved)."""
    with db.reading() as s:
        row = s.get(m.RaterPreference, rater_id)
        return dict(row.settings) if row is not None else {}


def update_rater_preferences(db: Database, rater_id: str, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the rater's preferences (a value of None removes the key)."""
    with db.transaction() as s:
        if s.get(m.Rater, rater_id) is None:
            raise NotFound("This rater no longer exists.")
        row = s.get(m.RaterPreference, rater_id)
        if row is None:
            row = m.RaterPreference(rater_id=rater_id, settings={})
            s.add(row)
        settings = dict(row.settings)
        for key, value in changes.items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        row.settings = settings  # a new dict, so the JSON column is seen as changed
        return dict(settings)
