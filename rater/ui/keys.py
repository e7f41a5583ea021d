"""Keyboard shortcuts of the rating form and the marks list, as shown in the help dialog.

The keys themselves are handled where they act (ItemRow, MarksPanel,
RatingPage); this list is what people read.
"""

from __future__ import annotations

FORM_SHORTCUTS = [
    ("Rate the focused item", "0–9"),
    ("Mark the focused item N/A (where allowed)", "N or ."),
    ("Clear the focused item", "Backspace, Delete"),
    ("Next / previous item", "Down, Tab / Up, Shift+Tab"),
    ("Write a note for the focused item", "Enter (Enter or Esc returns)"),
    ("Submit the rating", "Ctrl+Enter"),
]
MARK_SHORTCUTS = [
    ("Mark the current moment", "Ctrl+M"),
    ("Make a mark evidence for (+) or against (\u2212) an item", "end its text with +item or \u2212item"),
    ("Go to a mark", "Click or Enter in the marks list"),
    ("Edit / delete the selected mark", "F2 / Delete"),
]
