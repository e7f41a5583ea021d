"""The look of the application: Fusion style, a calm light palette, one style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = "#2563eb"
ACCENT_SOFT = "#e8f0fe"
TEXT = "#1f2933"
MUTED = "#6b7280"
BORDER = "#d5dae1"
WINDOW = "#f5f6f8"
ERROR = "#b91c1c"
ERROR_SOFT = "#fdecec"
WARNING = "#a16207"

# Status colours: (text, background)
STATUS_COLORS = {
    "not_started": ("#4b5563", "#eceff3"),
    "in_progress": ("#92400e", "#fdf0d5"),
    "submitted": ("#065f46", "#d7f3e6"),
}

STYLE_SHEET = f"""
QMainWindow, QStackedWidget > QWidget {{ background: {WINDOW}; }}
QLabel#pageTitle {{ font-size: 20pt; font-weight: 600; color: {TEXT}; }}
QLabel#pageSubtitle {{ font-size: 11pt; color: {MUTED}; }}
QLabel#sectionTitle {{ font-size: 13pt; font-weight: 600; color: {TEXT}; padding-top: 6px; }}
QLabel#muted, QLabel#help {{ color: {MUTED}; }}
QLabel#help {{ font-size: 9pt; }}
QLabel#reason {{ color: {WARNING}; font-style: italic; }}
QLabel#requiredTag {{ color: {ERROR}; font-weight: 600; font-size: 9pt; }}
QLabel#scoreLine {{ font-size: 10.5pt; }}
QLabel#leftCount {{ font-weight: 600; color: {TEXT}; }}
QLabel#banner {{ background: {ERROR_SOFT}; color: {ERROR}; border: 1px solid #f3b4b4;
    border-radius: 6px; padding: 8px 12px; font-weight: 600; }}
QLabel#lockedBanner {{ background: #d7f3e6; color: #065f46; border: 1px solid #a7dfc4;
    border-radius: 6px; padding: 8px 12px; font-weight: 600; }}
QLabel#saveState {{ color: {MUTED}; }}
QLabel#saveState[state="error"] {{ color: {ERROR}; font-weight: 600; }}
QLabel#statusChip {{ border-radius: 9px; padding: 2px 10px; font-weight: 600; }}
QFrame#card {{ background: white; border: 1px solid {BORDER}; border-radius: 8px; }}
QFrame#header {{ background: white; border-bottom: 1px solid {BORDER}; }}
QListWidget#raterList {{ font-size: 15pt; background: white; border: 1px solid {BORDER};
    border-radius: 8px; padding: 6px; }}
QListWidget#raterList::item {{ padding: 12px 10px; border-radius: 6px; }}
QListWidget#raterList::item:selected {{ background: {ACCENT}; color: white; }}
QTableWidget {{ background: white; border: 1px solid {BORDER}; border-radius: 8px;
    gridline-color: #eef0f3; selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT}; }}
QHeaderView::section {{ background: #f0f2f5; border: none; border-bottom: 1px solid {BORDER};
    padding: 6px; font-weight: 600; color: #374151; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: none; border-radius: 6px;
    padding: 7px 18px; font-weight: 600; }}
QPushButton#primary:disabled {{ background: #b7c6e8; color: #eef2fb; }}
QPushButton#primary:hover:!disabled {{ background: #1d4ed8; }}
QPushButton:disabled {{ color: #a7adb5; }}
ItemRow {{ background: white; border: 1px solid {BORDER}; border-left: 4px solid {BORDER};
    border-radius: 6px; }}
ItemRow[current="true"] {{ border: 1px solid {ACCENT}; border-left: 4px solid {ACCENT};
    background: #f7faff; }}
ItemRow[missing="true"] {{ border-left: 4px solid {ERROR}; }}
ItemRow[applies="false"] {{ background: #f3f4f6; }}
ValueButton {{ background: #f8f9fb; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px; }}
ValueButton:hover:!disabled {{ border-color: {ACCENT}; }}
ValueButton:disabled {{ background: #f1f2f4; border-color: #e3e6ea; }}
ValueButton:checked {{ background: {ACCENT}; border-color: {ACCENT}; }}
ValueButton:checked:disabled {{ background: #7c9ad6; border-color: #7c9ad6; }}
QLabel#valueNumber {{ font-size: 12pt; font-weight: 600; color: {TEXT}; }}
QLabel#valueAnchor {{ font-size: 8.5pt; color: #4b5563; }}
QLabel#valueNumber:disabled, QLabel#valueAnchor:disabled {{ color: #a7adb5; }}
QLabel#valueNumber[checked="true"], QLabel#valueAnchor[checked="true"] {{ color: white; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 6px; background: white; }}
QTreeWidget {{ background: white; border: none; }}
"""


def apply_style(app: QApplication) -> None:
    """A clean Fusion look with readable type, the same on every lab desktop."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Base, QColor("white"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f7f8fa"))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor("#f3f4f6"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffbe6"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def set_state(widget: QWidget, name: str, value) -> None:
    """Set a dynamic property used by the style sheet and re-apply the style."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def status_chip_style(status: str) -> str:
    fg, bg = STATUS_COLORS.get(status, STATUS_COLORS["not_started"])
    return f"color: {fg}; background: {bg};"
