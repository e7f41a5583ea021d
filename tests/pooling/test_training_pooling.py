"""Training across desktops: set-up and gold travel in the study package, practice ratings in ratings packages."""

from __future__ import annotations

import zipfile

from sqlalchemy import func, select
from training_support import gold_session, ids, rate, two_raters_on_d01

from rater.paths import RESOURCES
from rater.pooling.ratings_export import export_ratings
from rater.pooling.ratings_import import import_package
from rater.pooling.study_export import export_study
from rater.pooling.study_import import import_study
from rater.storage import models_training as t
from rater.storage import open_database
from rater.study.rating.workstation import Workstation
from rater.study.setup.demo import create_demo_study
from rater.study.training.certification import rater_statuses, set_criterion
from rater.study.training.consensus import set_consensus
from rater.study.training.desk import TrainingDesk
from rater.study.training.practice import assign_practice
from rater.study.training.views import Criterion


def _package_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_training_travels_to_the_desktop_and_back(tmp_path):
    lab = open_database(tmp_path / "lab.sqlite")
    study = create_demo_study(lab)
    x = ids(lab)
    given = gold_session(lab, x["hstbs"], 2, code="T01")
    gold_session(lab, x["hstbs"], 3, code="T02")  # nobody has it yet: its gold stays on the lab database
    [a] = assign_practice(lab, given, x["hstbs"], [x["R01"]])
    set_criterion(lab, study, Criterion("hstbs", 0.8, 0.75, 1))
    ws_lab = Workstation(lab)
    _x, d01, _ = two_raters_on_d01(lab, ws_lab)
    set_consensus(lab, d01, x["hstbs"], "asg1", 2, "LAB-ONLY consensus note")
    package = tmp_path / "study.srpkg"
    export_study(lab, package, study)
    assert "LAB-ONLY" not in _package_text(package)

    desk = open_database(tmp_path / "desk.sqlite")
    import_study(desk, package, media_root=RESOURCES / "demo", verify=False)
    with desk.reading() as s:
        assert s.scalar(select(func.count()).select_from(t.GoldRating)) == 1
        assert s.scalar(select(func.count()).select_from(t.ConsensusScore)) == 0
        assert s.scalar(select(func.count()).select_from(t.TrainingMaterial)) == 2
    desk_ws = Workstation(desk)
    assert [e.assignment_id for e in TrainingDesk(desk).entries(x["R01"])] == [a]
    rate(desk_ws, a, x["R01"], 3)
    assert TrainingDesk(desk).feedback(a, x["R01"]).summary.within1 == 1.0
    out = tmp_path / "r01.srpkg"
    export_ratings(desk, out, study, "R01")
    assert "gold-rationale" not in _package_text(out)  # the rater's package carries no gold

    import_package(lab, out)
    [status] = [st for st in rater_statuses(lab, study) if st.rater_code == "R01"]
    assert status.latest.label == "T01:2" and status.latest.agreement.mad == 1.0  # MAD 1.0 > 0.75: not certified
    assert status.state == "not_certified"
    # Importing the study package again changes nothing.
    import_study(desk, package, media_root=RESOURCES / "demo", verify=False)
    with desk.reading() as s:
        assert s.scalar(select(func.count()).select_from(t.TrainingAssignment)) == 1
    lab.close()
    desk.close()
