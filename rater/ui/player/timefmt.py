"""Clock strings for the transport bar (no Qt, so it is trivially testable)."""

from __future__ import annotations


def format_clock(ms: int, with_hours: bool = False) -> str:
    """``75_000`` → ``"1:15"``; ``h:mm:ss`` from one hour on, or when asked."""
    total = max(0, int(ms)) // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours or with_hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def format_elapsed(position_ms: int, duration_ms: int) -> str:
    """``"12:41 / 50:02"``; both sides ``h:mm:ss`` when the recording is ≥ 1 h."""
    long = duration_ms >= 3_600_000
    return f"{format_clock(position_ms, long)} / {format_clock(duration_ms, long)}"
