"""Player keyboard shortcuts, as data (for the help dialog) and as QActions.

Keys avoid the digits 0–9 (they rate the focused item), Tab/Shift+Tab
(navigation) and plain arrows/space (they belong to focused widgets).
Ctrl+Left/Right still move by word inside a text field: Qt gives editors
their standard keys first, which is what someone typing a note expects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ShortcutSpec:
    """One player command: internal name, label for people, key sequences."""

    name: str
    label: str
    keys: tuple[str, ...]


PLAYER_SHORTCUTS: tuple[ShortcutSpec, ...] = (
    ShortcutSpec("play_pause", "Play / pause", ("Ctrl+Space", "F5")),
    ShortcutSpec("back_5", "Back 5 seconds", ("Ctrl+Left",)),
    ShortcutSpec("forward_5", "Forward 5 seconds", ("Ctrl+Right",)),
    ShortcutSpec("back_30", "Back 30 seconds", ("Ctrl+Shift+Left",)),
    ShortcutSpec("forward_30", "Forward 30 seconds", ("Ctrl+Shift+Right",)),
    ShortcutSpec("slower", "Slower", ("Ctrl+[",)),
    ShortcutSpec("faster", "Faster", ("Ctrl+]",)),
    ShortcutSpec("volume_up", "Volume up", ("Ctrl+Up",)),
    ShortcutSpec("volume_down", "Volume down", ("Ctrl+Down",)),
)


def key_text(spec: ShortcutSpec) -> str:
    """The keys as the platform writes them, e.g. ``"Ctrl+Space, F5"``."""
    fmt = QKeySequence.SequenceFormat.NativeText
    return ", ".join(QKeySequence(k).toString(fmt) for k in spec.keys)


def shortcut_help() -> list[tuple[str, str]]:
    """(label, keys) pairs for a help dialog."""
    return [(spec.label, key_text(spec)) for spec in PLAYER_SHORTCUTS]


def install_actions(host: QWidget, handlers: dict[str, Callable[[], None]]) -> dict[str, QAction]:
    """Create one QAction per shortcut on ``host``, active while focus is anywhere inside it.

    ``host`` is the page or window holding both the player and the rating
    form, so the keys work while a rater is on the form.
    """
    actions = {}
    for spec in PLAYER_SHORTCUTS:
        action = QAction(spec.label, host)
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{spec.label} ({key_text(spec)})")
        action.triggered.connect(handlers[spec.name])
        host.addAction(action)
        actions[spec.name] = action
    return actions
