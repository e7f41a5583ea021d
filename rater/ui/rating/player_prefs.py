"""A rater's player settings on the rating page: speed, volume and own shortcuts.

Loaded when the page opens, saved when the rater changes them (speed and
volume a moment after the last change, so a dragged volume slider is one
write).  A failed write is logged and the setting still applies for now: it
is comfort, not study data.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from rater.storage.database import Database, DatabaseError
from rater.study.errors import StudyError
from rater.study.rating.preferences import rater_preferences, update_rater_preferences
from rater.ui.player.shortcuts import desktop_bindings, resolve, save_desktop_bindings

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 600


class PlayerPreferences(QObject):
    """Applies and keeps one rater's preferences for ``player`` (a PlayerWidget)."""

    def __init__(self, db: Database, rater_id: str, rater_name: str, player: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db, self.rater_id, self.rater_name, self.player = db, rater_id, rater_name, player
        self._pending: tuple[float, int] | None = None
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        prefs = self._load()
        player.set_preferences(prefs.get("rate"), prefs.get("volume"))
        player.apply_bindings(resolve(prefs.get("shortcuts"), desktop_bindings()))
        player.preferences_changed.connect(self._changed)
        player.shortcuts_requested.connect(self.edit_shortcuts)

    def _load(self) -> dict:
        try:
            return rater_preferences(self.db, self.rater_id)
        except DatabaseError as exc:
            log.warning("player preferences not read: %s", exc)
            return {}

    def _changed(self, rate: float, volume: int) -> None:
        self._pending = (rate, volume)
        self._timer.start()

    def flush(self) -> None:
        """Write a pending speed/volume change now (the page is closing)."""
        self._timer.stop()
        if self._pending is None:
            return
        rate, volume = self._pending
        self._pending = None
        self._save(rate=rate, volume=volume)

    def _save(self, **changes) -> None:
        try:
            update_rater_preferences(self.db, self.rater_id, **changes)
        except (DatabaseError, StudyError) as exc:
            log.warning("player preferences not saved: %s", exc)

    def edit_shortcuts(self) -> None:
        """Open the shortcuts dialog and keep what the rater chose."""
        from rater.ui.player.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.player.bindings(), self.rater_name, self.player.window())
        if dialog.exec() != ShortcutsDialog.DialogCode.Accepted or dialog.result_bindings is None:
            return
        self.keep_shortcuts(dialog.result_bindings, dialog.for_desktop, dialog.restored)

    def keep_shortcuts(self, bindings: dict, for_desktop: bool, restored: bool) -> None:
        """Store ``bindings`` for this rater or this desktop and use them at once.

        Restored defaults remove the stored bindings instead of copying the
        defaults (so later changes to the defaults reach this rater).  Keys
        kept for the desktop also drop the rater's own, or those would hide them.
        """
        stored = None if restored else {k: list(v) for k, v in bindings.items()}
        if for_desktop:
            try:
                save_desktop_bindings(None if restored else bindings)
            except OSError as exc:
                log.warning("desktop shortcuts not saved: %s", exc)
            self._save(shortcuts=None)
        else:
            self._save(shortcuts=stored)
        self.player.apply_bindings(resolve(self._load().get("shortcuts"), desktop_bindings()))
