"""CSV text of a block of rows, made a column at a time.

The csv module formats and quotes every cell in turn; a million-row table
spends most of its time there. Here a block of rows is turned into columns
(``zip``), and a column whose cells are all of one type (None aside) is
formatted once per distinct value and mapped back with C-level ``map``:
the rating tables repeat the same few patient codes, raters, items, scores
and submission times over and over. Mixed columns are formatted per cell.
The text is byte for byte what ``csv.writer`` (default dialect: comma,
double quotes, minimal quoting, CRLF) writes for the same rows after the
export's cell conversions; a block it could not match (rows of unequal
length, a single column) is left to the csv module by the caller. The
large rating tables skip the rows altogether and give their text
(:attr:`Table.csv_text`, :mod:`rater.export.rating_csv`) made with these
functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

_NONE = type(None)


def _quoted(text: str) -> str:
    # The characters that make the csv module quote a field (four C-level scans beat one generator).
    if "," in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def plain_text(value: Any) -> str:
    """A cell as ``csv.writer`` writes it: blank for None, floats by repr, text quoted when needed."""
    cls = value.__class__
    if cls is str:
        return _quoted(value)
    if value is None:
        return ""
    if cls is float:
        return repr(value)
    return _quoted(str(value))


def converted_text(value: Any) -> str:
    """A cell of a converted column: TRUE/FALSE as 1/0, times to the second, blank for NaN and infinities."""
    cls = value.__class__
    if cls is bool:
        return "1" if value else "0"
    if cls is datetime:
        return value.isoformat(sep=" ", timespec="seconds")
    if cls is float and not math.isfinite(value):
        return ""
    return plain_text(value)


def column_text(values: Sequence[Any], text: Callable[[Any], str]) -> list[str]:
    """Every cell of one column as text."""
    types = set(map(type, values))
    types.discard(_NONE)
    if len(types) > 1:
        # Values of different types can be equal (1, 1.0, True) and would share a dict entry.
        return list(map(text, values))
    distinct = {value: text(value) for value in dict.fromkeys(values)}
    return list(map(distinct.__getitem__, values))


def block_text(rows: Sequence[Sequence[Any]], texts: Sequence[Callable[[Any], str]]) -> str | None:
    """The CSV lines of ``rows`` (each ending in CRLF), or None when the csv module must write them."""
    width = len(texts)
    if width < 2 or not rows or set(map(len, rows)) != {width}:
        return None  # a lone empty field is quoted by the csv module; ragged rows are its to write
    columns = [column_text(column, text) for column, text in zip(zip(*rows, strict=True), texts, strict=True)]
    return "\r\n".join(map(",".join, zip(*columns, strict=True))) + "\r\n"
