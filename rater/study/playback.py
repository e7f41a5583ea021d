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
