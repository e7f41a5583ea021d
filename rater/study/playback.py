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
    return sum(end - start for start, end in merge_intervals(intervals))


def played_fraction(intervals: list[list[int]], duration_ms: int | None,
                    segment: tuple[int, int | None] | None = None) -> float | None:
    """Share of the recording played; with a ``segment`` (start, end or None), of that stretch only."""
    if not duration_ms:
        return None
    if segment is None:
        return min(1.0, covered_ms(intervals) / duration_ms)
    start = max(0, min(segment[0], duration_ms))
    end = duration_ms if segment[1] is None else max(start, min(segment[1], duration_ms))
    if end <= start:
        return None
    inside = [[max(a, start), min(b, end)] for a, b in intervals if min(b, end) > max(a, start)]
    return min(1.0, covered_ms(inside) / (end - start))
