"""The homework log of the previous session beside the form."""

from __future__ import annotations


def test_session_two_shows_the_session_one_log(open_rating):
    page = open_rating("Sam Chen", "D01", 2, "hes_general")
    panel = page.homework_panel
    texts = panel.entry_texts()
    assert len(texts) == 2
    assert "Daily activity log" in texts[0] and "Self-monitoring / activity log" in texts[0]
    assert "Notice moments when mood drops" in texts[1] and "Cognitive / thought record" in texts[1]
    assert panel.empty_label.isHidden()
    assert page.tabs.tabText(page.tabs.indexOf(panel)) == "Homework log (session 1)"


def test_session_one_has_no_previous_session(open_rating):
    page = open_rating("Alex Rivera", "D01", 1, "hstbs")
    assert page.homework_panel.entry_texts() == []
    assert page.homework_panel.empty_label.text() == "Session 1: no previous session."
    assert not page.homework_panel.empty_label.isHidden()


def test_missing_log_is_said_plainly(open_rating):
    page = open_rating("Sam Chen", "D02", 3, "hes_general")
    assert page.homework_panel.empty_label.text() == "No homework log entered for session 2."
