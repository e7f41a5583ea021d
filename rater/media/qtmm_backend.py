"""The QtMultimedia backend: the fallback when libVLC is not installed.

PySide6-Addons bundles FFmpeg, so this plays mp4/m4a/mp3/webm/wav with no
system libraries.  Unlike libVLC it reports bad files (``errorOccurred``), and
its clock is fine-grained, so no interpolation is needed.  Every call and
every signal happens on the GUI thread; a ``QApplication`` must exist.

Deadlock trap (seen with PySide6 6.12): ``stop()``/``setSource()`` tear down
FFmpeg worker objects and wait for them, and a worker's ``~QObject`` calls
into the Python wrappers of our Qt objects, which needs the GIL.  Called
from Python, the GUI thread holds the GIL while waiting, so about one close
in three hung.  Those slots are therefore run by the event loop (which
releases the GIL) through :func:`_run_slot`, and the Qt objects have C++
parents so that Python's garbage collector never destroys them directly.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Q_ARG, QCoreApplication, QEventLoop, QMetaObject, QObject, Qt, QTimer, QUrl, qVersion
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QVBoxLayout, QWidget

from rater.media.base import MediaError, MediaInfo, PlayerCallbacks, PlayerState
from rater.media.files import check_media_file, undecodable

log = logging.getLogger(__name__)

LOAD_TIMEOUT_MS = 10_000
MIN_RATE, MAX_RATE = 0.5, 2.0
FRAME_MS = 40
_Status = QMediaPlayer.MediaStatus
_LOAD_FINISHED = (_Status.LoadedMedia, _Status.BufferedMedia, _Status.InvalidMedia)


class QtMultimediaPlayer:
    """:class:`rater.media.base.Player` on QMediaPlayer; see that module for the contract."""

    def __init__(self, headless: bool = False) -> None:
        if QCoreApplication.instance() is None:
            raise MediaError("The QtMultimedia player needs a running QApplication.")
        self.backend_name = f"QtMultimedia {qVersion()}"
        self._headless = headless
        self._player = QMediaPlayer(QCoreApplication.instance())
        self._audio = QAudioOutput(self._player)
        self._player.setAudioOutput(self._audio)
        # Without any video output QtMultimedia skips decoding video; a sink
        # keeps timing and errors the same as with a window.
        self._sink = QVideoSink(self._player)
        self._player.setVideoSink(self._sink)
        self._video_widget: QVideoWidget | None = None
        self._keep_pitch()
        self._callbacks = PlayerCallbacks()
        self._state = PlayerState.EMPTY
        self._info: MediaInfo | None = None
        self._loading = False
        self._rate = 1.0
        self._player.mediaStatusChanged.connect(self._on_status)
        self._player.errorOccurred.connect(self._on_error)

    def _keep_pitch(self) -> None:
        # Pitch compensation arrived in Qt 6.10; older Qt changes pitch with speed.
        if not hasattr(self._player, "pitchCompensationAvailability"):
            log.info("QtMultimedia %s cannot keep pitch at other speeds", qVersion())
            return
        if self._player.pitchCompensationAvailability() != QMediaPlayer.PitchCompensationAvailability.Unavailable:
            self._player.setPitchCompensation(True)

    def set_callbacks(self, callbacks: PlayerCallbacks) -> None:
        """Register event receivers (called on the GUI thread here)."""
        self._callbacks = callbacks

    def set_window(self, win_id: int) -> None:
        """Show video inside the widget whose native window is ``win_id``.

        QtMultimedia cannot draw into a raw window id, so the id is mapped
        back to its QWidget and a QVideoWidget is laid out inside it.
        """
        if self._headless or not win_id:
            return
        host = QWidget.find(win_id)
        if host is None:
            log.warning("no widget owns window id %s; video will not be shown", win_id)
            return
        if self._video_widget is None:
            self._video_widget = QVideoWidget()
        layout = host.layout() or QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._video_widget)
        self._player.setVideoOutput(self._video_widget)

    def load(self, path: str, start_ms: int = 0) -> MediaInfo:
        """Open ``path`` paused at ``start_ms``; raise MediaError if it cannot be played."""
        self._info = None
        try:
            p = check_media_file(path)
            status = self._open(QUrl.fromLocalFile(str(p)))
            duration = self._player.duration()
            has_video, has_audio = self._player.hasVideo(), self._player.hasAudio()
            if status == _Status.InvalidMedia or duration <= 0 or not (has_video or has_audio):
                log.warning("undecodable %s: status=%s duration=%s", p, status, duration)
                raise undecodable(path)
        except MediaError:
            self._set_state(PlayerState.ERROR)
            raise
        self._info = MediaInfo(duration, has_video, has_audio)
        self._player.pause()  # paused, not stopped: seeks apply and video shows a frame
        self._set_state(PlayerState.PAUSED)
        if start_ms > 0:
            self.seek_ms(start_ms)
        return self._info

    def _open(self, url: QUrl) -> _Status:
        """Set the source and wait (briefly, ignoring user input) until it is read."""
        _run_slot(self._player, "stop")
        _run_slot(self._player, "setSource", Q_ARG(QUrl, QUrl()))  # the same URL again would be a no-op
        loop = QEventLoop()
        deadline = QTimer(singleShot=True, interval=LOAD_TIMEOUT_MS)
        deadline.timeout.connect(loop.quit)
        self._player.mediaStatusChanged.connect(loop.quit)
        self._player.errorOccurred.connect(loop.quit)
        self._loading = True
        try:
            _run_slot(self._player, "setSource", Q_ARG(QUrl, url))
            deadline.start()
            while (
                self._player.mediaStatus() not in _LOAD_FINISHED
                and self._player.error() == QMediaPlayer.Error.NoError
                and deadline.isActive()
            ):
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            deadline.stop()
            self._loading = False
            self._player.mediaStatusChanged.disconnect(loop.quit)
            self._player.errorOccurred.disconnect(loop.quit)
        if self._player.error() != QMediaPlayer.Error.NoError:
            return _Status.InvalidMedia
        return self._player.mediaStatus()

    def play(self) -> None:
        """Start or resume; after the end, restart from 0."""
        if self._state in (PlayerState.EMPTY, PlayerState.ERROR, PlayerState.PLAYING):
            return
        if self._state is PlayerState.ENDED:
            self._player.setPosition(0)
        self._player.play()
        self._set_state(PlayerState.PLAYING)

    def pause(self) -> None:
        """Pause; a no-op unless playing."""
        if self._state is PlayerState.PLAYING:
            self._player.pause()
            self._set_state(PlayerState.PAUSED)

    def stop(self) -> None:
        """Pause and return to 0."""
        if self._state in (PlayerState.EMPTY, PlayerState.ERROR):
            return
        self._player.pause()
        self._player.setPosition(0)
        self._set_state(PlayerState.PAUSED)

    def seek_ms(self, ms: int) -> None:
        """Jump to ``ms`` (clamped), playing or paused."""
        if self._info is None or self._state in (PlayerState.EMPTY, PlayerState.ERROR):
            return
        if self._state is PlayerState.ENDED:
            self._player.pause()
            self._set_state(PlayerState.PAUSED)
        self._player.setPosition(max(0, min(int(ms), self.duration_ms())))

    def step_frame(self, direction: int) -> None:
        """One frame (taken as 40 ms: QMediaPlayer does not say) forward or back, while paused."""
        if self._state is PlayerState.PAUSED and self._info is not None and self._info.has_video:
            self.seek_ms(self.position_ms() + (FRAME_MS if direction > 0 else -FRAME_MS))

    def position_ms(self) -> int:
        """Current time (QMediaPlayer's own clock is fine-grained)."""
        if self._state is PlayerState.ENDED:
            return self.duration_ms()
        return self._player.position()

    def duration_ms(self) -> int:
        """Length in ms."""
        return self._info.duration_ms if self._info else 0

    def state(self) -> PlayerState:
        """The current state."""
        return self._state

    def set_rate(self, rate: float) -> None:
        """Playback speed, clamped to 0.5–2.0, with pitch compensation where available."""
        self._rate = max(MIN_RATE, min(float(rate), MAX_RATE))
        self._player.setPlaybackRate(self._rate)

    def rate(self) -> float:
        """The requested playback speed."""
        return self._rate

    def set_volume(self, volume: int) -> None:
        """Volume 0–100."""
        self._audio.setVolume(max(0, min(int(volume), 100)) / 100)

    def volume(self) -> int:
        """The current volume 0–100."""
        return round(self._audio.volume() * 100)

    def close(self) -> None:
        """Stop and free the Qt objects."""
        self._player.mediaStatusChanged.disconnect(self._on_status)
        self._player.errorOccurred.disconnect(self._on_error)
        _run_slot(self._player, "stop")
        if self._video_widget is not None:
            self._video_widget.deleteLater()
        self._player.deleteLater()  # destroyed by the event loop, GIL released
        self._info = None
        self._set_state(PlayerState.EMPTY)

    def _on_status(self, status: _Status) -> None:
        if status == _Status.EndOfMedia and self._state in (PlayerState.PLAYING, PlayerState.PAUSED):
            self._set_state(PlayerState.ENDED)
            if self._callbacks.on_end:
                self._callbacks.on_end()

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if self._loading or error == QMediaPlayer.Error.NoError:
            return  # load() turns errors while opening into a MediaError
        log.error("QtMultimedia playback error %s: %s", error, message)
        self._set_state(PlayerState.ERROR)
        if self._callbacks.on_error:
            self._callbacks.on_error(f"Playback failed — {message or 'QtMultimedia could not play the recording'}.")

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            if self._callbacks.on_state:
                self._callbacks.on_state(state)


def _run_slot(obj: QObject, slot: str, *args: object) -> None:
    """Run ``obj.slot(*args)`` from the event loop and wait for it.

    Queued, the slot is invoked by C++ while the loop has released the GIL,
    so worker threads that need the GIL while we wait can proceed.
    """
    QMetaObject.invokeMethod(obj, slot, Qt.ConnectionType.QueuedConnection, *args)
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)  # posted after the slot call, so it runs after it
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
