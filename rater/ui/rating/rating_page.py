"""The rating page: header, player and side panels on the left, the form on the right."""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from rater.storage.database import DatabaseError
from rater.study.errors import IncompleteRating, RatingLocked, StudyError
from rater.study.rating.views import AssignmentView
from rater.study.rating.workstation import Workstation
from rater.ui import dialogs
from rater.ui.common.player_area import PlayerArea, PlayerWidgetFactory, preferred_recording, waveform_cache_dir
from rater.ui.form.form_widget import RatingForm
from rater.ui.keys import FORM_SHORTCUTS, MARK_SHORTCUTS
from rater.ui.rating import submit_dialog
from rater.ui.rating.header import RatingHeader
from rater.ui.rating.homework_panel import HomeworkPanel
from rater.ui.rating.marks_panel import MarksPanel
from rater.ui.rating.player_prefs import PlayerPreferences
from rater.ui.rating.session import ChangesPending, RatingSession

log = logging.getLogger(__name__)

PLAYBACK_SAVE_MS = 5000

class RatingPage(QWidget):
    back_requested = Signal()

    def __init__(self, workstation: Workstation, view: AssignmentView,
                 player_factory: PlayerWidgetFactory | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.session = RatingSession(workstation, view, self)
        self._focused_once = False
        self._media_problem = ""  # the player's last error, shown if the rater submits unplayed

        self.header = RatingHeader(view)
        self.header.back_button.clicked.connect(self.back_requested)
        self.player_area = PlayerArea(view.recordings, player_factory, shortcut_host=self,
                                      waveform_dir=waveform_cache_dir(workstation.db))
        self.player_prefs = None
        if self.player_area.player is not None:
            self.player_prefs = PlayerPreferences(workstation.db, view.rater_id, view.rater_name,
                                                  self.player_area.player, self)
        self.marks_panel = MarksPanel()
        self.homework_panel = HomeworkPanel(view, workstation)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.marks_panel, "Marks")
        homework_title = (f"Homework log (session {view.previous_session_number})"
                          if view.previous_session_number else "Homework log")
        self.tabs.addTab(self.homework_panel, homework_title)
        self.tabs.addTab(self._info_panel(view), "Session")
        self.form = RatingForm(self.session.state)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.player_area)
        left.addWidget(self.tabs)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.form)
        # Equal halves: the form needs the width for its anchors as much as the video does.
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        body = QVBoxLayout()
        body.setContentsMargins(12, 10, 12, 12)
        body.addWidget(self.splitter, 1)
        layout.addLayout(body, 1)

        self._playback_timer = QTimer(self, interval=PLAYBACK_SAVE_MS)
        self._playback_timer.timeout.connect(self.save_playback)
        self._connect()
        self._add_actions()
        self.marks_panel.set_items([(it.id, it.text) for it in view.instrument.items])
        self.marks_panel.set_marks(self.session.marks)
        self._show_marks_on_player()
        if view.read_only:
            self._show_read_only()
        self._start_player()

    # --- wiring -------------------------------------------------------------------
    def _connect(self) -> None:
        s = self.session
        self.form.response_edited.connect(s.set_response)
        self.form.note_edited.connect(s.set_note)
        self.form.no_anchor_edited.connect(s.set_no_anchor)
        self.form.seek_requested.connect(self.seek_to)
        self.form.submit_requested.connect(self.submit)
        s.saver.saved.connect(self.header.show_saved)
        s.saver.failed.connect(self.header.show_not_saved)
        s.saver.rejected.connect(lambda msg: dialogs.warn(self, "Change not saved", msg))
        s.marks_changed.connect(lambda: self.marks_panel.set_marks(s.marks))
        s.marks_changed.connect(self._show_marks_on_player)
        self.marks_panel.add_button.clicked.connect(self.begin_mark)
        self.marks_panel.add_requested.connect(s.add_mark)
        self.marks_panel.edit_requested.connect(s.update_mark)
        self.marks_panel.delete_requested.connect(s.delete_mark)
        self.marks_panel.evidence_requested.connect(s.set_mark_evidence)
        self.marks_panel.seek_requested.connect(self.seek_to)
        self.player_area.position_changed.connect(self._on_position)
        self.player_area.playing_changed.connect(self._on_playing)
        self.player_area.recording_switch_requested.connect(self._switch_recording)
        self.player_area.media_error.connect(self._on_media_error)
        app = QGuiApplication.instance()
        if app is not None:
            app.applicationStateChanged.connect(self._on_app_state)

    def _add_actions(self) -> None:
        def action(text: str, keys: str, slot) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.mark_action = action("Add mark", "Ctrl+M", self.begin_mark)
        self.submit_action = action("Submit", "Ctrl+Return", self.form.try_submit)
        self.submit_enter_action = action("Submit", "Ctrl+Enter", self.form.try_submit)

    def _show_marks_on_player(self) -> None:
        if self.player_area.player is not None:
            self.player_area.player.set_marks([mk.position_ms for mk in self.session.marks])

    def _info_panel(self, view: AssignmentView) -> QWidget:
        rows = [("Study", view.study_name), ("Patient", view.patient_code),
                ("Session", str(view.session_number)), ("Rater", view.rater_name),
                *sorted(view.session_info.items())]
        text = "".join(f"<tr><td style='color:#6b7280; padding-right:12px'>{html.escape(k)}</td>"
                       f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        label = QLabel(f"<table>{text}</table>")
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setContentsMargins(12, 10, 12, 10)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # --- player and playback bookkeeping ------------------------------------------------
    def _start_player(self) -> None:
        # Resume on the recording last played: the saved position belongs to it.
        last = next((r for r in self.view.recordings if r.id == self.view.recording_id), None)
        rec = last or preferred_recording(self.view.recordings)
        if rec is not None:
            self.session.recording_id = rec.id
            self._load(rec.id, self._start_position())

    def _load(self, recording_id: str, start_ms: int) -> None:
        self._media_problem = ""
        if self.player_area.load(recording_id, start_ms=start_ms):
            self.session.record_duration(self.player_area.duration_ms())
        if self.player_area.player is not None:
            self.player_area.player.set_segment(self.view.segment)

    def _start_position(self) -> int:
        """Where the stored position says, unless that lies outside the segment to rate."""
        position, segment = self.view.last_position_ms, self.view.segment
        if segment is not None and (position < segment[0] or (segment[1] is not None and position >= segment[1])):
            return segment[0]
        return position

    def _switch_recording(self, recording_id: str) -> None:
        if recording_id == self.session.recording_id:
            return
        position = self.current_position()
        self.save_playback()
        self.session.recording_id = recording_id
        self.session.tracker.jumped_to(position)
        self._load(recording_id, position)

    def _on_media_error(self, message: str) -> None:
        self._media_problem = message

    def current_position(self) -> int:
        position = self.player_area.position_ms()
        return self.session.tracker.position_ms if position is None else position

    def _on_position(self, ms: int) -> None:
        if self.session.tracker.update(ms):
            self.save_playback()

    def _on_playing(self, playing: bool) -> None:
        self.session.tracker.set_playing(playing)
        if playing:
            self._playback_timer.start()
        else:
            self._playback_timer.stop()
            self.save_playback()

    def seek_to(self, ms: int) -> None:
        self.session.tracker.jumped_to(ms)
        self.player_area.seek_ms(ms)
        self.save_playback()

    def save_playback(self) -> bool:
        return self.session.save_playback(self.current_position())

    def _on_app_state(self, _state) -> None:
        self._update_active()

    def _update_active(self) -> None:
        active = self.isVisible() and QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
        self.session.tracker.set_active(active)

    # --- marks and submit ---------------------------------------------------------
    def begin_mark(self) -> None:
        if self.session.state.read_only:
            return
        self.tabs.setCurrentWidget(self.marks_panel)
        self.marks_panel.begin_add(self.current_position())

    def submit(self) -> None:
        try:
            answer = submit_dialog.ask_to_submit(self, self.session.submit_check(), self._media_problem)
            if answer is None:
                return
            self.session.submit(answer)
        except IncompleteRating as exc:
            self.form.show_missing()
            dialogs.warn(self, "Not complete", str(exc))
        except ChangesPending as exc:
            dialogs.warn(self, "Not submitted", f"Some changes are not saved yet ({exc}). "
                         "They are retried automatically; try submitting again in a moment.")
        except RatingLocked as exc:
            self.session.state.set_read_only(True)
            self._show_read_only()
            dialogs.warn(self, "Already submitted", str(exc))
        except (DatabaseError, StudyError) as exc:
            dialogs.warn(self, "Not submitted", f"The rating could not be submitted: {exc}")
        else:
            self._show_read_only()

    def _show_read_only(self) -> None:
        self.form.set_locked_text(self.session.submitted_text())
        self.header.set_status(self.session.view.status)
        self.marks_panel.set_read_only(True)
        self.mark_action.setEnabled(False)

    # --- page life ----------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._update_active()
        if not self._focused_once:
            self._focused_once = True
            # Half and half (the player keeps its minimum): QSplitter would favour the video's size hint.
            self.splitter.setSizes([self.splitter.width() // 2] * 2)
            QTimer.singleShot(0, self, self.form.focus_first)  # not if the page is gone by then

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self.session.tracker.set_active(False)

    def leave(self) -> bool:
        """Save everything before the page goes away; False if the rater chose to stay."""
        if not self.session.state.read_only:
            self.form.commit_notes()
            self.marks_panel.commit_pending()
        if not self.session.saver.flush() and not dialogs.confirm(
            self, "Changes not saved",
            f"{self.session.saver.pending} change(s) could not be saved yet:\n{self.session.saver.last_error}\n\n"
            "If you leave now they are lost. Press Cancel to stay here while they are retried.",
            ok="Leave anyway", default_ok=False,
        ):
            return False
        self.player_area.pause()
        if self.player_prefs is not None:
            self.player_prefs.flush()
        self._playback_timer.stop()
        self.session.tracker.set_playing(False)
        self.session.tracker.set_active(False)
        self.save_playback()
        self.player_area.shutdown()
        return True

    def shortcut_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [("Rating form", FORM_SHORTCUTS), ("Marks", MARK_SHORTCUTS),
                ("Player", self.player_area.shortcuts())]
