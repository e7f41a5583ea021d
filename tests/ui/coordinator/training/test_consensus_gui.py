"""The coordinator's consensus view: flagged items side by side, marks play, consensus recorded apart."""

from __future__ import annotations

from sqlalchemy import select
from training_support import two_raters_on_d01

from rater.storage import models as m
from rater.storage import models_training as t
from rater.ui.coordinator.training.consensus import ConsensusScreen


def test_consensus_view_flags_plays_marks_and_records(coordinator, db, ws, fake_player_class, monkeypatch, answers):
    x, session_id, _ = two_raters_on_d01(db, ws)
    monkeypatch.setattr(ConsensusScreen, "player_factory", staticmethod(lambda parent, host: fake_player_class(parent)))
    screen = coordinator.screen(ConsensusScreen)
    coordinator.nav.setCurrentRow(coordinator.screens.index(screen))
    assert screen.table.rowCount() == 1 and screen.table.item(0, 3).text() == "asg1"
    assert screen.table.item(0, 5).text() == "R01: 0  R03: 3" and screen.table.item(0, 6).text() == "1.50"
    screen.threshold.setValue(1)
    assert [screen.table.item(r, 3).text() for r in range(screen.table.rowCount())] == ["asg1", "asg2"]
    screen.table.selectRow(0)
    assert screen.raters.rowCount() == 2 and screen.raters.item(0, 2).text().startswith("note by")
    screen.marks.itemClicked.emit(screen.marks.item(1))
    assert screen.player is not None and screen.player.player.seeks[-1] == 61_000
    before = _scores(db)
    screen.value.setValue(2)
    screen.note.setText("agreed in the meeting")
    screen.record()
    assert screen.table.item(0, 7).text() == "2"
    assert _scores(db) == before
    with db.reading() as s:
        c = s.scalar(select(t.ConsensusScore))
        assert (c.item_id, c.value, c.note) == ("asg1", 2, "agreed in the meeting")


def _scores(db):
    with db.reading() as s:
        return sorted((sc.rating_id, sc.item_id, sc.value) for sc in s.scalars(select(m.ItemScore)))
