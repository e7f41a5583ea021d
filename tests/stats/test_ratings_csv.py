"""Reading long-format CSV; every problem is reported with its line number."""

from __future__ import annotations

import pytest

from rater.stats import StatsInputError, read_ratings_csv

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
                 "S2,R1,q1,4.5,2,\n")
    table = read_ratings_csv(path)
    assert list(table.session_labels) == ["S1", "S2"]
    assert table.score.tolist()[0] == 3.0 and str(table.score[1]) == "nan"
    assert table.session_number.tolist() == [1.0, 2.0]
    assert table.n_ratings == 3


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
