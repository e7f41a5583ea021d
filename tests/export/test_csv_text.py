"""The column-at-a-time CSV text is byte for byte what the csv module writes for the same rows."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from rater.export.csv_tables import _csv_rows, write_table_csv
from rater.export.csv_text import block_text, columns_text, converted_text, plain_text
from rater.export.progress import Tracker
from rater.export.table import Column, Runs, Table, rows_of_blocks

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


def test_column_blocks_give_the_same_text_as_their_rows():
    rng = random.Random(7)
    blocks = []
    for _ in range(3):
        counts = [rng.randrange(1, 6) for _ in range(20)]
        n = sum(counts)
        blocks.append([Runs([rng.choice(AWKWARD) for _ in counts], counts),
                       [rng.choice([None, 1, 2]) for _ in range(n)],
                       Runs([_cell(rng) for _ in counts], counts)])
    texts = [plain_text, plain_text, converted_text]
    written = "".join(columns_text(b, texts)[0] for b in blocks)
    assert written == _csv_module(rows_of_blocks(blocks), [2])


def test_table_file_is_the_same_from_rows_and_from_column_blocks(tmp_path: Path):
    counts = [3, 1, 4, 1, 5]
    block = [Runs(["P1", "P,2", 'P"3', "P4", "P5"], counts), list(range(sum(counts))),
             Runs([datetime(2024, 5, d, 10, 0, 0, 250_000) for d in range(1, 6)], counts)]
    columns = [Column("patient"), Column("value", "int"), Column("submitted_at", "datetime")]
    by_rows = Table("t", "T", columns, lambda: rows_of_blocks([block]), 14)
    by_columns = Table("t", "T", columns, lambda: rows_of_blocks([block]), 14, column_blocks=lambda: [block])
    write_table_csv(by_rows, tmp_path / "rows.csv", Tracker(100))
    write_table_csv(by_columns, tmp_path / "columns.csv", Tracker(100))
    text = (tmp_path / "columns.csv").read_bytes()
    assert text == (tmp_path / "rows.csv").read_bytes()
    lines = text.decode().splitlines()
    assert lines[0] == "patient,value,submitted_at"
    assert lines[2] == "P1,1,2024-05-01 10:00:00" and lines[4] == '"P,2",3,2024-05-02 10:00:00'
    assert lines[5] == '"P""3",4,2024-05-03 10:00:00'
    assert len(lines) == 1 + sum(counts)
