"""Where a study's recordings live on this desktop.

Recordings are stored relative to a media root so one study works on desktops
that keep the files in different folders. The root is looked up in this
order: this desktop's override (setting ``media_root:<study id>@<host name>``,
so desktops sharing one PostgreSQL database each keep their own), the study's
own ``media_root`` setting; absolute paths are used as they are.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from rater.storage import models as m
from rater.storage.audit import desktop_name
from rater.study.setup.settings import StudySettings


def setting_key(study_id: str) -> str:
    return f"media_root:{study_id}@{desktop_name()}"[:100]


def media_root(s: Session, study: m.Study) -> Path | None:
    override = s.get(m.Setting, setting_key(study.id))
    if override is not None and override.value:
        return Path(override.value)
    root = StudySettings.read(study.settings).media_root
    return Path(root) if root else None


def resolve(s: Session, study: m.Study, stored: str) -> Path:
    path = Path(stored)
    if path.is_absolute():
        return path
    root = media_root(s, study)
    return (root / path) if root else path.resolve()


def set_desktop_root(s: Session, study_id: str, root: str) -> None:
    key = setting_key(study_id)
    row = s.get(m.Setting, key)
    if row is None:
        s.add(m.Setting(key=key, value=root))
    else:
        row.value = root
