"""What a rater confirmed at submit, and the length their player reported, reach the coordinator.

The coordinator's progress flags are computed from the pooled database, so a
notice that stayed on the desktop would show the coordinator a bare flag.
"""

from __future__ import annotations

from rater.pooling import export_ratings, import_packages
from rater.study.rating.submit_checks import SubmitAnswer
from rater.study.rating.workstation import Workstation
from rater.study.reports.progress import study_progress

from .helpers import queue, rate, rater_id, rating_state


def test_notice_and_player_length_travel_in_a_ratings_package(lab, desktop, tmp_path):
    coordinator, study_id, _ = lab
    desk = desktop("desk1")
    ws, who = Workstation(desk), rater_id(desk, "R01")
    first, second = queue(desk, "R01")[:2]
    told = rate(desk, "R01", first, {"q1": 1, "q2": 2, "q3": 3, "q4": 1}, play=24_000)
    ws.record_play_duration(first, who, 100_000)
    ws.submit(first, who, SubmitAnswer(told_short=True))
    reason = "The recording stops after the greeting; rated from the session notes."
    unplayed = rate(desk, "R01", second, {"q1": 0, "q2": 0, "q3": 0, "q4": 0})
    ws.submit(second, who, SubmitAnswer(reason=reason))

    out = tmp_path / "r01.srpkg"
    export_ratings(desk, out, study_id, "R01")
    [result] = import_packages(coordinator, [out])
    assert result.status == "imported", result.message
    for rating_id in (told, unplayed):
        assert rating_state(coordinator, rating_id) == rating_state(desk, rating_id)
    flags = sorted(f.message for f in study_progress(coordinator, study_id).flags)
    assert flags == [
        "rated in 0.4 min; the recording lasts 1.0 min (at least 0.5 min at 2x speed)",
        "submitted after playing 40% of the recording (study minimum 80%); the rater was told and submitted anyway",
        f'submitted without any of the recording played; the rater wrote: "{reason}"',
    ]
