"""The column-at-a-time CSV text is byte for byte what the csv module writes for the same rows."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from rater.export.csv_tables import _csv_rows, write_table_csv
from rater.export.csv_text import block_text, converted_text, plain_text
from rater.export.progress import Tracker
from rater.export.table import Column, Table

AWKWARD = ["", "plain", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", "=1+2", "<&>", "émoji 🎉",
           " lead", "trail ", "\x00nul", "tab\there", "'", '""']


def _cell(rng: random.Random):
    kind = rng.randrange(9)
    return [None, rng.randrange(-5, 50), rng.random() * 10, float("nan"), float("inf"), rng.random() < 0.5,
            datetime(2024, 1, rng.randrange(1, 28), rng.randrange(24), 5, 7, rng.randrange(10**6)),
            date(2024, 2, rng.randrange(1, 28)), rng.choice(AWKWARD)][kind]


def _csv_module(rows, converted: list[int]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(_csv_rows(list(rows), converted))
    return out.getvalue()


@pytest.mark.parametrize("seed", range(5))
def test_block_text_matches_csv_module_on_mixed_and_awkward_cells(seed):
    rng = random.Random(seed)
    width = 6
    converted = [0, 3, 5]
    texts = [converted_text if i in converted else plain_text for i in range(width)]
    # Columns of one type (the per-distinct-value path) and of mixed types (per cell).
    one_type = {1: lambda: rng.choice([None, 1, 2, 3]), 2: lambda: rng.choice(AWKWARD),
                3: lambda: rng.choice([True, False, None])}
    rows = [tuple(one_type[i]() if i in one_type else _cell(rng) for i in range(width)) for _ in range(400)]
    assert block_text(rows, texts) == _csv_module(rows, converted)


def test_values_equal_across_types_keep_their_own_text():
    # 1, 1.0 and True are equal dict keys; a mixed column must not merge them.
    rows = [(1, "x"), (1.0, "y"), (True, "z"), (0, "w"), (False, "v")]
    assert block_text(rows, [plain_text, plain_text]) == "1,x\r\n1.0,y\r\nTrue,z\r\n0,w\r\nFalse,v\r\n"
    assert block_text(rows, [converted_text, plain_text]) == "1,x\r\n1.0,y\r\n1,z\r\n0,w\r\n0,v\r\n"


def test_blocks_the_csv_module_must_write_are_declined():
    assert block_text([("",), (None,)], [plain_text]) is None  # a lone empty field is quoted: ""
    assert block_text([(1, 2), (1,)], [plain_text, plain_text]) is None


def test_a_table_with_its_own_csv_text_is_written_from_it_after_the_header(tmp_path: Path):
    columns = [Column("patient"), Column("value", "int")]
    rows = [("P1", 1), ("P,2", 2)]
    table = Table("t", "T", columns, lambda: rows, 2, csv_text=lambda: iter([("P1,1\r\n", 1), ('"P,2",2\r\n', 1)]))
    assert write_table_csv(table, tmp_path / "t.csv", Tracker(100)) == 2
    assert (tmp_path / "t.csv").read_bytes() == b'patient,value\r\nP1,1\r\n"P,2",2\r\n'
