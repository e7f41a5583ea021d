"""Consensus view: disagreements by rule, consensus scores kept apart, promotion to gold for training."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from training_support import two_raters_on_d01

from rater.storage import models as m
from rater.storage import models_training as t
from rater.study.errors import InvalidValue
from rater.study.training.consensus import disagreements, promote_to_gold, set_consensus
from rater.study.training.gold import GoldRejected, read_gold
from rater.study.training.material import list_material
from rater.study.training.practice import assign_practice


def _scores(db):
    with db.reading() as s:
        return sorted((sc.rating_id, sc.item_id, sc.value, sc.note) for sc in s.scalars(select(m.ItemScore)))


def test_disagreements_by_rule_and_consensus_never_touches_ratings(demo):
    db, ws, study = demo
    x, session_id, assignments = two_raters_on_d01(db, ws)
    [d] = disagreements(db, study, 2, "range")
    assert (d.patient_code, d.session_number, d.item_id, d.spread) == ("D01", 1, "asg1", 3.0)
    assert sorted((r.rater_code, r.value) for r in d.scores) == [("R01", 0), ("R03", 3)]
    assert all(r.note.startswith("note by") and r.marks[0].position_ms == 61_000 for r in d.scores)
    assert d.mean == 1.5
    assert [d.item_id for d in disagreements(db, study, 1, "range")] == ["asg1", "asg2"]
    assert [d.spread for d in disagreements(db, study, 3, "from_mean")] == [3.0]
    with pytest.raises(InvalidValue, match="above 0"):
        disagreements(db, study, -1)

    before, view_before = _scores(db), repr(ws.open(assignments[0], x["R01"]))
    with pytest.raises(InvalidValue, match="outside 0–4"):
        set_consensus(db, session_id, x["hstbs"], "asg1", 9)
    set_consensus(db, session_id, x["hstbs"], "asg1", 2, "agreed after discussion")
    assert disagreements(db, study, 2)[0].consensus == 2
    assert _scores(db) == before
    assert repr(ws.open(assignments[0], x["R01"])) == view_before  # the rater's view shows no consensus
    with db.reading() as s:
        assert s.scalar(select(m.AuditEvent.reason).where(m.AuditEvent.entity == "consensus_score")) == \
            "agreed after discussion"


def test_consensus_promoted_to_gold_as_a_training_copy(sqlite_demo):
    db, ws, study = sqlite_demo
    x, session_id, _ = two_raters_on_d01(db, ws)
    set_consensus(db, session_id, x["hstbs"], "asg1", 2, "agreed")
    with pytest.raises(GoldRejected, match="Item asg2 has no gold score"):
        promote_to_gold(db, session_id, x["hstbs"], "TR-01")
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.Patient).where(m.Patient.code == "TR-01")) == 0
    set_consensus(db, session_id, x["hstbs"], "asg2", 1, "one point")
    copy = promote_to_gold(db, session_id, x["hstbs"], "TR-01")
    gold = read_gold(db, copy, x["hstbs"])
    assert (gold.items["asg1"].value, gold.items["asg1"].rationale) == (2, "agreed")
    assert gold.items["obs3"].value == 2 and gold.source == "consensus"
    assert [v.patient_code for v in list_material(db, study)] == ["TR-01"]
    with db.reading() as s:
        assert s.get(m.Session, session_id).is_practice is False
        assert s.get(t.TrainingMaterial, session_id) is None
    with pytest.raises(InvalidValue, match="the study session this recording comes from"):
        assign_practice(db, copy, x["hstbs"], [x["R01"]])
    assert len(assign_practice(db, copy, x["hstbs"], [x["R02"]])) == 1
