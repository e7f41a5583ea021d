"""Reading long-format CSV; every problem is reported with its line number."""

from __future__ import annotations

import numpy as np
import pytest

from rater.stats import StatsInputError, read_ratings_csv
from rater.stats.csv_fast import parse_regular

HEADER = "session_id,rater_id,item,score,session_number,submitted_at\n"


def write(tmp_path, text):
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path):
    with pytest.raises(StatsInputError) as caught:
        read_ratings_csv(path)
    return caught.value.problems


def test_reads_a_valid_file(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER + "S1,R1,q1,3,1,2024-01-01T10:00\n"
                 "S1,R2,q1,,1,2024-01-02\n"
                 "\n"
                 "S2,R1,q1,4.5,2,\n"
                 "S2,R2,q1,4,2,\n")
    table = read_ratings_csv(path)
    assert list(table.session_labels) == ["S1", "S2"]
    assert table.score.tolist()[0] == 3.0 and str(table.score[1]) == "nan"
    assert table.session_number.tolist() == [1.0, 2.0]
    assert table.n_ratings == 4


def test_empty_file(tmp_path):
    assert problems_of(write(tmp_path, "")) == ["ratings.csv: the file is empty"]


def test_header_only(tmp_path):
    assert "no ratings after the header" in problems_of(write(tmp_path, HEADER))[0]


def test_missing_columns(tmp_path):
    problems = problems_of(write(tmp_path, "session_id,item\nS1,q1\n"))
    assert problems == ["line 1: missing column(s): rater_id, score"]


def test_every_row_problem_is_listed_with_line_numbers(tmp_path):
    path = write(tmp_path, HEADER
                 + "S1,R1,q1,3,1,\n"          # line 2
                 + "S1,R1,q2,three,1,\n"      # line 3: not a number
                 + "S1,R1,q1,4,1,\n"          # line 4: duplicate of line 2
                 + "S2,R1,q1,2,1.5,\n"        # line 5: fractional session number
                 + "S3,R1,q1,2,1,yesterday\n"  # line 6: bad time
                 + "S4,R1,q1\n"               # line 7: too few fields
                 + ",R1,q1,2,1,\n")           # line 8: empty session id
    problems = problems_of(path)
    text = "\n".join(problems)
    assert "line 7: expected 6 fields, found 3" in text
    assert "session_id is empty at line 8" in text
    assert "score is not a number at line 3" in text
    assert "duplicate score for session S1, rater R1, item q1 at lines 2, 4" in text
    assert "session_number is not a whole number at line 5" in text
    assert "submitted_at is not an ISO date/time at line 6" in text


def test_problems_after_an_empty_id_are_still_reported(tmp_path):
    problems = problems_of(write(tmp_path, HEADER + "S1,,q1,x,1,\n"))
    assert any("rater_id is empty at line 2" in p for p in problems)
    assert any("score is not a number at line 2" in p for p in problems)


REGULAR = "session_id,rater_id,item,score,session_number,scale\n"


def _regular_rows(n_sessions=40):
    rows = []
    for s in range(n_sessions):
        for r in ("R1", "R2", "R3"):
            for item in ("q1", "q2"):
                rows.append(f"S{s + 1},{r},{item},{(s + len(r) + len(item)) % 5},{s % 4 + 1},A")
    return rows


def test_regular_and_irregular_files_give_the_same_table(tmp_path):
    rows = _regular_rows()
    rows[5] = rows[5].replace(",A", ", A ")  # blanks around a field are trimmed
    regular = read_ratings_csv(write(tmp_path, REGULAR + "\r\n".join(rows) + "\r\n"))
    quoted = [f'"{row.split(",", 1)[0]}",{row.split(",", 1)[1]}' for row in rows]
    irregular = read_ratings_csv(write(tmp_path, REGULAR + "\n".join(quoted) + "\n\n"))
    for name in ("score", "item", "rating", "rating_session", "rating_rater", "session_number",
                 "item_scale"):
        assert getattr(regular, name).tolist() == getattr(irregular, name).tolist(), name
    for name in ("session_labels", "rater_labels", "item_labels", "scale_labels"):
        assert list(getattr(regular, name)) == list(getattr(irregular, name)), name
    assert list(regular.session_labels[:3]) == ["S1", "S2", "S3"]  # natural order
    # The first file took the array path, the second the csv-module path.
    data = (REGULAR + "\n".join(rows) + "\n").encode()
    head = len(REGULAR)
    assert parse_regular(data, head, 6, {"session_id": 0}, {"score": 3}).n_rows == len(rows)
    assert parse_regular(REGULAR.encode() + "\n".join(quoted).encode(), head, 6,
                         {"session_id": 0}, {"score": 3}) is None


@pytest.mark.parametrize("quoted", [False, True])
def test_na_nan_and_blank_are_missing_and_n_a_is_not_applicable(tmp_path, quoted):
    rows = _regular_rows()
    for i, token in enumerate(["NA", "nan", "", "N/A"]):
        parts = rows[i].split(",")
        parts[3] = token
        rows[i] = ",".join(parts)
    if quoted:
        rows[10] = '"' + rows[10].replace(",", '","') + '"'
    table = read_ratings_csv(write(tmp_path, REGULAR + "\n".join(rows) + "\n"))
    assert np.isnan(table.score[:4]).all() and not np.isnan(table.score[4:]).any()
    assert table.na.tolist()[:5] == [False, False, False, True, False]


def test_ranges_are_checked_when_given(tmp_path):
    rows = _regular_rows()
    rows[0] = rows[0].rsplit(",", 3)[0] + ",7,1,A"      # line 2: above 0-4
    rows[1] = rows[1].rsplit(",", 3)[0] + ",-1,1,A"     # line 3: below
    rows[2] = rows[2].rsplit(",", 3)[0] + ",2.5,1,A"    # line 4: not whole
    path = write(tmp_path, REGULAR + "\n".join(rows) + "\n")
    problems = "\n".join(p for p in _problems(path, {"q1": (0, 4), "q2": (0, 4)}))
    assert "score outside q1's range 0–4 at lines 2, 4" not in problems
    assert "outside q1's range 0–4 at line 2" in problems
    assert "outside q2's range 0–4 at line 3" in problems
    assert "not a whole number at line 4" in problems
    assert "item(s) not in the instrument: q2" in "\n".join(_problems(path, {"q1": (0, 9)}))
    assert read_ratings_csv(path).score[0] == 7  # without ranges nothing is checked


def _problems(path, ranges):
    with pytest.raises(StatsInputError) as caught:
        read_ratings_csv(path, ranges)
    return caught.value.problems


def test_a_single_rater_or_no_session_rated_twice_is_refused(tmp_path):
    one = write(tmp_path, REGULAR + "\n".join(r for r in _regular_rows() if ",R1," in r) + "\n")
    assert problems_of(one) == ["the file has a single rater (R1): agreement needs at least two"]
    rows = [f"S{s},R{s % 3},q1,{s % 5},1,A" for s in range(30)]
    twice = problems_of(write(tmp_path, REGULAR + "\n".join(rows) + "\n"))
    assert twice == ["no session has two ratings with scores: agreement needs sessions rated by "
                     "at least two raters"]
