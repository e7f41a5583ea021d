"""The keyboard shortcuts dialog lists form, mark, window and player keys."""

from __future__ import annotations


def test_help_lists_every_kind_of_shortcut(qtbot, window, open_rating):
    from rater.ui.help_dialog import HelpDialog

    open_rating("Alex Rivera", "D02", 2, "hstbs")
    dialog = HelpDialog(window.shortcut_sections(), window)
    qtbot.addWidget(dialog)
    rows = dict(dialog.rows())
    assert rows["Rate the focused item"] == "0–9"
    assert rows["Mark the current moment"] == "Ctrl+M"
    assert rows["Keyboard shortcuts"] == "F1"
    assert rows["Play / pause"] == "Ctrl+Space, F5"  # from the player widget
    assert {"Rating form", "Marks", "Player", "Window"} <= set(rows)


def test_help_from_the_queue_uses_the_player_module_list(window):
    sections = dict(window.shortcut_sections())
    assert any(label == "Play / pause" for label, _keys in sections["Player"])


def test_tooltips_name_the_shortcuts(open_rating):
    page = open_rating("Alex Rivera", "D02", 2, "hstbs")
    assert "Ctrl+Enter" in page.form.submit_button.toolTip()
    assert "Ctrl+M" in page.marks_panel.add_button.toolTip()
    assert "(key 3)" in page.form.rows["asg1"].buttons[3].toolTip()
