"""What the coordinator screens share: the database, the chosen study, change notices."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from rater.storage.database import Database


class Context(QObject):
    """The open coordinator session. It exists only after the password was given."""

    study_changed = Signal()  # another study was chosen or created
    data_changed = Signal()  # something in the study changed; screens reload when shown
    study_created = Signal(str)  # a new study (its id): the study chooser reloads and shows it
    raters_changed = Signal()  # raters were added or changed: the window's "Who is rating?" reloads

    def __init__(self, db: Database, parent: QObject | None = None):
        super().__init__(parent)
        self.db = db
        self.study_id: str | None = None

    def set_study(self, study_id: str | None) -> None:
        if study_id != self.study_id:
            self.study_id = study_id
            self.study_changed.emit()
