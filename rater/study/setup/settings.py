"""A study's settings, typed, with their defaults declared once.

Stored as a JSON object on the study (``m.Study.settings``) whose keys are
the field names below; every reader goes through :meth:`StudySettings.read`
so a missing key gets the same default everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MEDIA_ROOT = "media_root"
MIN_PLAYED_FRACTION = "min_played_fraction"
HIDDEN_FIELDS = "hidden_fields"
HOLD_UNTIL_CERTIFIED = "hold_until_certified"
# Settings a study file may give (the hold is switched on the Training screen).
FILE_KEYS = (MEDIA_ROOT, MIN_PLAYED_FRACTION, HIDDEN_FIELDS)


@dataclass(frozen=True)
class StudySettings:
    """``media_root``: folder of the recordings; ``min_played_fraction``: a rating that played less of its
    recording is flagged; ``hidden_fields``: patient metadata never shown to raters;
    ``hold_until_certified``: raters rate study sessions only once certified."""

    media_root: str | None = None
    min_played_fraction: float = 0.8
    hidden_fields: tuple[str, ...] = ()
    hold_until_certified: bool = False

    @classmethod
    def read(cls, stored: Mapping[str, Any] | None) -> StudySettings:
        """The settings in a study's stored JSON; missing (or null) keys take the defaults."""
        stored = stored or {}
        default = cls()
        given = {f.name: stored[f.name] for f in fields(cls) if stored.get(f.name) is not None}
        return cls(
            media_root=str(given[MEDIA_ROOT]) if MEDIA_ROOT in given else default.media_root,
            min_played_fraction=float(given.get(MIN_PLAYED_FRACTION, default.min_played_fraction)),
            hidden_fields=tuple(given.get(HIDDEN_FIELDS, default.hidden_fields)),
            hold_until_certified=bool(given.get(HOLD_UNTIL_CERTIFIED, default.hold_until_certified)),
        )


DEFAULTS = StudySettings()
