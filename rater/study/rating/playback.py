"""Bookkeeping of which stretches of a recording a rater actually played."""

from __future__ import annotations


def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
    """Sorted union of [start, end] stretches (ms); touching stretches join."""
    out: list[list[int]] = []
    for start, end in sorted([min(a, b), max(a, b)] for a, b in intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def covered_ms(intervals: list[list[int]]) -> int:
    """Milliseconds covered by the union of the stretches."""
    return sum(end - start for start, end in merge_intervals(intervals))


def segment_share(intervals: list[list[int]], duration_ms: int | None,
                  segment: tuple[int, int | None] | None = None) -> tuple[int, int | None]:
    """(ms played, ms to be played): of the whole recording, or with a ``segment`` (start, end or None)
    of that stretch only. The length to be played is None when it is not known."""
    if segment is None:
        return covered_ms(intervals), duration_ms or None
    start = segment[0] if not duration_ms else max(0, min(segment[0], duration_ms))
    end = segment[1] if not duration_ms else duration_ms if segment[1] is None else min(segment[1], duration_ms)
    if end is None:
        inside = [[max(a, start), b] for a, b in intervals if b > start]
        return covered_ms(inside), None
    inside = [[max(a, start), min(b, end)] for a, b in intervals if min(b, end) > max(a, start)]
    return covered_ms(inside), max(0, end - start) or None
