"""Small helpers shared by the export tests."""

from __future__ import annotations

from itertools import zip_longest


def sheet_rows(ws) -> list[dict]:
    """A table sheet as dicts keyed by its header row.

    Rows are padded: streamed sheets carry no dimension, so openpyxl's
    read-only mode returns rows only as long as their last written cell.
    """
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip_longest(header, row)) for row in rows]


def header(ws) -> list[str]:
    return [cell.value for cell in next(ws.iter_rows(max_row=1))]
