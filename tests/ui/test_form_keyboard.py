"""Rating with the keyboard: values and N/A land in the database, focus moves on, scores update."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from rater.instruments import loader
from rater.paths import RESOURCES
from rater.storage import models as m
from rater.study.instruments import register_data


def _responses(ws, page):
    view = ws.open(page.view.assignment_id, page.view.rater_id)
    return view.responses


def _item_row(db, page, item_id):
    with db.reading() as s:
        return s.scalar(select(m.ItemScore).join(m.Rating).where(
            m.Rating.assignment_id == page.view.assignment_id, m.ItemScore.item_id == item_id))


def _type(qtbot, page, item_id, keys):
    """Focus an item, then type each key into whatever has focus (the form moves it on)."""
    page.form.rows[item_id].setFocus()
    for key in keys:
        target = QApplication.focusWidget()
        assert target is not None, "no keyboard focus: is the window active?"  # QTest aborts on None
        qtbot.keyClick(target, key)


def test_number_key_saves_the_value_and_moves_to_the_next_item(qtbot, ws, db, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    first = page.form.rows["rev1"]
    first.setFocus()
    qtbot.waitUntil(lambda: page.form.current_item() == "rev1")

    qtbot.keyClick(first, Qt.Key.Key_3)

    stored = _item_row(db, page, "rev1")
    assert stored.value == 3 and not stored.is_na
    assert _responses(ws, page)["rev1"].value == 3
    qtbot.waitUntil(lambda: page.form.current_item() == "rev2")
    assert QApplication.focusWidget() is page.form.rows["rev2"]
    assert page.form.rows["rev1"].buttons[3].isChecked()
    assert page.header.save_label.text().startswith("Saved ")


def test_out_of_range_key_backspace_and_arrows(qtbot, db, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["asg2"]
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_7)  # items are 0–4
    assert _item_row(db, page, "asg2") is None
    assert not row.hint.isHidden()

    qtbot.keyClick(row, Qt.Key.Key_2)
    assert _item_row(db, page, "asg2").value == 2
    row.setFocus()
    qtbot.keyClick(row, Qt.Key.Key_Backspace)
    assert _item_row(db, page, "asg2").value is None
    assert not any(b.isChecked() for b in row.buttons.values())

    qtbot.keyClick(row, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.form.current_item() == "asg3")
    qtbot.keyClick(page.form.rows["asg3"], Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: page.form.current_item() == "asg2")


def test_tab_moves_between_items_and_skips_items_that_do_not_apply(qtbot, open_rating):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")  # Review does not apply in session 1
    rows = page.form.rows
    rows["asg7"].setFocus()
    qtbot.keyClick(rows["asg7"], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is rows["obs1"]
    rows["asg1"].setFocus()
    qtbot.keyClick(rows["asg1"], Qt.Key.Key_Up)  # nothing applicable above: stays
    assert QApplication.focusWidget() is rows["asg1"]
    qtbot.keyClick(rows["asg1"], Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() not in [rows[f"rev{i}"] for i in range(1, 5)]


def test_mouse_click_on_a_value_button_saves(qtbot, db, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    row = page.form.rows["obs1"]
    qtbot.mouseClick(row.buttons[4], Qt.MouseButton.LeftButton)
    assert _item_row(db, page, "obs1").value == 4
    assert row.buttons[4].isChecked()
    qtbot.mouseClick(row.clear_button, Qt.MouseButton.LeftButton)
    assert _item_row(db, page, "obs1").value is None


def test_anchor_text_is_on_the_buttons(open_rating):
    page = open_rating("Sam Chen", "D01", 2, "hes_ct")
    buttons = page.form.rows["cognitive"].buttons
    assert [b.number_label.text() for b in buttons.values()] == [str(v) for v in range(7)]
    assert buttons[0].anchor_label.text().replace("\n", " ") == "No engagement"
    assert buttons[1].anchor_label.isHidden()  # unlabelled values show just the number
    assert buttons[6].anchor_label.text().replace("\n", " ") == "Extensive engagement"


def test_hstbs_mean_score_is_shown_live(qtbot, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    label = page.form.scores_bar.labels["assignment"]
    assert label.text() == "Assignment: — (0/7)"
    _type(qtbot, page, "asg1", "3322412")
    assert label.text() == "Assignment: 2.43 (7/7)"  # 17 / 7
    assert page.form.scores_bar.labels["review"].text() == "Review: — (0/4)"
    assert page.form.section_scores["assignment"].text() == "2.43 (7/7)"
    assert page.form.left_label.text() == "9 items left"


def test_hes_ct_recode_and_sum(qtbot, open_rating):
    page = open_rating("Sam Chen", "D01", 2, "hes_ct")
    _type(qtbot, page, "cognitive", "035")  # recoded 0 + 1 + 2
    assert page.form.scores_bar.labels["hes_ct"].text() == "HES-CT: 3 (3/3)"
    _type(qtbot, page, "cognitive", "6")
    assert page.form.scores_bar.labels["hes_ct"].text() == "HES-CT: 5 (3/3)"


@pytest.fixture
def na_instrument(db):
    """Alex's session-2 HSTBS assignment switched to a version where asg7 allows N/A."""
    _instrument, data = loader.load_file(RESOURCES / "instruments" / "hstbs.toml")
    data = copy.deepcopy(data)
    data["version"] = "1.0-na"
    for item in data["items"]:
        if item["id"] == "asg7":
            item["na_allowed"] = True
    with db.transaction() as s:
        row = register_data(s, data)
        assignment = s.scalar(select(m.Assignment).join(m.Rater).join(m.Session)
                              .where(m.Rater.name == "Alex Rivera", m.Session.number == 2))
        assignment.instrument_id = row.id


def test_na_key_where_allowed_and_refused_where_not(qtbot, ws, db, na_instrument, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    refused = page.form.rows["asg6"]
    assert refused.na_button is None
    refused.setFocus()
    qtbot.keyClick(refused, Qt.Key.Key_N)
    assert _item_row(db, page, "asg6") is None
    assert "not allowed" in refused.hint.text()
    assert page.form.current_item() == "asg6"

    allowed = page.form.rows["asg7"]
    allowed.setFocus()
    qtbot.keyClick(allowed, Qt.Key.Key_Period)
    stored = _item_row(db, page, "asg7")
    assert stored.is_na and stored.value is None
    assert _responses(ws, page)["asg7"].is_na
    assert allowed.na_button.isChecked()
    qtbot.waitUntil(lambda: page.form.current_item() == "obs1")


def test_live_score_follows_the_scales_missing_data_rule(qtbot, open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    label = page.form.scores_bar.labels["assignment"]
    _type(qtbot, page, "asg1", "33224")  # 5 of 7: the rule asks 6 (75%)
    assert label.text() == "Assignment: — (5/7)"
    assert "5 of 7 items scored, 0 N/A, 2 missing; a score needs 6" in label.toolTip()
    _type(qtbot, page, "asg6", "1")  # 6 of 7: scored, mean of the six
    assert label.text() == "Assignment: 2.50 (6/7)"
    assert "1 missing" in label.toolTip()
