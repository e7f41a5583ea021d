"""Commands of the player beyond play and seek: replay, frame steps, the A–B loop, the segment.

A mixin of :class:`rater.ui.player.widget.PlayerWidget` (which provides
``_controller``, ``transport``, ``waveform``, ``seek_slider``, ``play`` and
``pause``), kept apart so each file stays small.
"""

from __future__ import annotations

from rater.study.rating.segments import format_segment

REPLAY_MS = 10_000
MIN_LOOP_MS = 500  # a shorter A–B stretch would only stutter


class PlayerCommands:
    """Replay, frame step, A–B loop and segment bounds for a PlayerWidget."""

    _loop: tuple[int | None, int | None] = (None, None)
    _segment: tuple[int, int | None] | None = None

    def set_segment(self, segment: tuple[int, int | None] | None) -> None:
        """Show the assignment's segment on the seek bar and the waveform; playback pauses at its end."""
        self._segment = segment
        bounds = None if segment is None else (segment[0], segment[1] if segment[1] is not None else self._duration)
        self.seek_slider.set_segment(bounds)
        self.waveform.set_segment(bounds)
        self.transport.segment_label.setText("" if segment is None else f"Segment {format_segment(segment)}")

    def set_marks(self, positions: list[int]) -> None:
        """Draw the rater's marks on the waveform."""
        self.waveform.set_marks(positions)

    def replay(self) -> None:
        """Go back 10 s and play: hear again what was just said."""
        if self._controller:
            self._controller.seek_ms(max(0, self._controller.position_ms() - REPLAY_MS))
            self.play()

    def step_frame(self, direction: int) -> None:
        """One video frame forward (``direction`` > 0) or back; pauses first."""
        if self._controller:
            self.pause()
            self._controller.step_frame(direction)

    def set_loop_start(self) -> None:
        """Loop from the current position (A); an end before it is dropped."""
        if not self._controller:
            return
        a = self._controller.position_ms()
        b = self._loop[1]
        self._set_loop(a, b if b is not None and b - a >= MIN_LOOP_MS else None)

    def set_loop_end(self) -> None:
        """Loop up to the current position (B) and play the loop from A.

        Without an A, the loop covers the 10 s before B.
        """
        if not self._controller:
            return
        b = self._controller.position_ms()
        a = self._loop[0]
        if a is None or b - a < MIN_LOOP_MS:
            a = max(0, b - REPLAY_MS)
        if b - a < MIN_LOOP_MS:
            return
        self._set_loop(a, b)
        self._controller.seek_ms(a)
        self.play()

    def clear_loop(self) -> None:
        """Stop looping."""
        self._set_loop(None, None)

    def loop(self) -> tuple[int | None, int | None]:
        """The A–B loop's ends in ms (None where unset)."""
        return self._loop

    def _set_loop(self, a: int | None, b: int | None) -> None:
        self._loop = (a, b)
        self.transport.set_loop(a, b)
        self.waveform.set_loop(a, b)

    def _follow_position(self, previous_ms: int, ms: int) -> None:
        """Loop back at B; pause once when playback crosses the segment's end."""
        a, b = self._loop
        if a is not None and b is not None and self._playing and ms >= b:
            self._controller.seek_ms(a)
        elif self._segment and self._segment[1] is not None and self._playing and previous_ms < self._segment[1] <= ms:
            self.pause()  # the end of the segment to rate; Play goes on past it if the rater wants
