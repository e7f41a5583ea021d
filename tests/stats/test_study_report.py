"""A generated study's whole reliability report equals the stored reference report.

The reference (``fixtures/study_report/report.json``, written by
``make_study_report_fixture.py``) holds every figure, count, note and
exclusion the statistics gave for this study before they were changed to read
narrow per-scale columns. Everything must be equal, floats to the last bit: the
statistics take the same float64 steps on the same values, only less at a time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from make_study_report_fixture import FIXTURE, build, report


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("study_report") / "study.sqlite"
    return path, build(path)


def _differences(mine, theirs, where: str = "") -> list[str]:
    if isinstance(theirs, dict):
        if not isinstance(mine, dict) or list(mine) != list(theirs):
            return [f"{where}: keys {list(mine) if isinstance(mine, dict) else mine!r} != {list(theirs)}"]
        return [d for key in theirs for d in _differences(mine[key], theirs[key], f"{where}.{key}")]
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return [f"{where}: {mine!r} != {theirs!r}"]
        return [d for i, (a, b) in enumerate(zip(mine, theirs, strict=True))
                for d in _differences(a, b, f"{where}[{i}]")]
    return [] if mine == theirs and type(mine) is type(theirs) else [f"{where}: {mine!r} != {theirs!r}"]


@pytest.mark.parametrize("which", ["submitted", "with_in_progress"])
def test_report_equals_the_reference(study, which):
    path, study_id = study
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))[which]
    # Through JSON text, as a reader of the report file gets it (key order kept).
    got = json.loads(json.dumps(report(path, study_id, which == "with_in_progress")))
    assert expected["scales"] and expected["items"] and expected["raters"]
    problems = _differences(got, expected)
    assert not problems, "\n".join(problems[:20])
