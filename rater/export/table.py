"""The shape of exported data, independent of the file format.

A :class:`Table` is columns plus a row factory (called once per output, so
a million rows are streamed, never held). A :class:`Sheet` is one worksheet:
one table (header frozen, autofilter) or several titled sections such as the
codebook. The CSV writer writes every table to its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any, Literal

# "mixed": values of several types in one column (e.g. the codebook's field/value list).
Kind = Literal["text", "int", "float", "date", "datetime", "bool", "mixed"]

# Default display widths (characters) for kinds whose width does not depend on content.
_KIND_WIDTH = {"date": 11, "datetime": 19, "bool": 7}


@dataclass(frozen=True)
class Column:
    """One column: ``name`` is the header (and the CSV/SPSS variable name)."""

    name: str
    kind: Kind = "text"
    description: str = ""
    number_format: str | None = None  # Excel display format for numbers, e.g. "0.000"

    @property
    def fixed_width(self) -> int | None:
        return _KIND_WIDTH.get(self.kind)


@dataclass(frozen=True)
class Runs:
    """A column block in which ``values[i]`` repeats ``counts[i]`` times (a rating's labels over its items)."""

    values: Sequence[Any]
    counts: Sequence[int]

    def expand(self) -> list[Any]:
        return list(chain.from_iterable(map(repeat, self.values, self.counts)))


# A block of a table's rows given by column: each column a sequence of cells or :class:`Runs`.
ColumnBlock = Sequence[Sequence[Any] | Runs]


@dataclass(frozen=True)
class Table:
    """Named columns and a factory that yields tuples in column order."""

    key: str  # file stem of the CSV, e.g. "ratings_long"
    title: str  # human title, e.g. "Ratings long"
    columns: Sequence[Column]
    rows: Callable[[], Iterable[Sequence[Any]]]
    estimated_rows: int = 0  # for progress; need not be exact
    description: str = ""
    # The same rows as CSV text, for tables too large for the CSV writer's cell-by-cell pace:
    # blocks of CRLF-ended lines, each with its number of rows, byte for byte what the CSV
    # writer makes of ``rows`` (see :mod:`rater.export.csv_tables`).
    csv_text: Callable[[], Iterable[tuple[str, int]]] | None = None

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def iter_rows(self) -> Iterator[Sequence[Any]]:
        return iter(self.rows())

    @property
    def weight(self) -> int:
        """Approximate cost of writing the table (cells), for progress."""
        return max(1, self.estimated_rows) * max(1, len(self.columns))


@dataclass(frozen=True)
class Sheet:
    """A worksheet: one table, or several titled sections (``sectioned``)."""

    title: str
    tables: Sequence[Table]
    sectioned: bool = False

    @property
    def weight(self) -> int:
        return sum(t.weight for t in self.tables)


def rows_of_blocks(blocks: Iterable[ColumnBlock]) -> Iterator[tuple]:
    """The rows of column blocks, in order."""
    for block in blocks:
        yield from zip(*(c.expand() if isinstance(c, Runs) else c for c in block), strict=True)


def static_table(key: str, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
                 description: str = "") -> Table:
    """A table whose rows are already in memory (small tables)."""
    frozen = [tuple(r) for r in rows]
    return Table(key, title, columns, lambda: frozen, len(frozen), description)
