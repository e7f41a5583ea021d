"""Player keyboard shortcuts: the defaults, a rater's own bindings, conflicts, QActions.

Defaults avoid the digits 0–9 and N/"." (they rate the focused item),
Tab/Shift+Tab, Enter and plain arrows/space (they belong to focused
widgets), and follow habits raters bring: K plays/pauses and J goes back
10 s as on YouTube, Ctrl+arrows skip as in VLC.  Plain letters never reach
a shortcut while a text field has focus: Qt gives editors their keys first.

Bindings are resolved rater → desktop → default: a rater's own bindings are
kept in the study database (they follow the rater), a desktop's in a file
beside the default database (they fit that keyboard).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from rater.fileio import atomic_file
from rater.paths import data_dir

log = logging.getLogger(__name__)

Bindings = dict[str, tuple[str, ...]]  # action name → key sequences (portable text)


@dataclass(frozen=True)
class ShortcutSpec:
    """One command: internal name, label for people, default key sequences."""

    name: str
    label: str
    keys: tuple[str, ...]


PLAYER_SHORTCUTS: tuple[ShortcutSpec, ...] = (
    ShortcutSpec("play_pause", "Play / pause", ("Ctrl+Space", "F5", "K")),
    ShortcutSpec("replay_10", "Replay the last 10 seconds", ("J", "Ctrl+R")),
    ShortcutSpec("back_5", "Back 5 seconds", ("Ctrl+Left",)),
    ShortcutSpec("forward_5", "Forward 5 seconds", ("Ctrl+Right",)),
    ShortcutSpec("back_30", "Back 30 seconds", ("Ctrl+Shift+Left",)),
    ShortcutSpec("forward_30", "Forward 30 seconds", ("Ctrl+Shift+Right",)),
    ShortcutSpec("frame_back", "Previous frame (paused video)", ("Ctrl+,",)),
    ShortcutSpec("frame_forward", "Next frame (paused video)", ("Ctrl+.",)),
    ShortcutSpec("loop_a", "Loop: set start (A)", ("[",)),
    ShortcutSpec("loop_b", "Loop: set end (B) and play the loop", ("]",)),
    ShortcutSpec("loop_clear", "Loop: clear", ("\\",)),
    ShortcutSpec("slower", "Slower", ("Ctrl+[",)),
    ShortcutSpec("faster", "Faster", ("Ctrl+]",)),
    ShortcutSpec("volume_up", "Volume up", ("Ctrl+Up",)),
    ShortcutSpec("volume_down", "Volume down", ("Ctrl+Down",)),
)
SPECS = {spec.name: spec for spec in PLAYER_SHORTCUTS}
DEFAULTS: Bindings = {spec.name: spec.keys for spec in PLAYER_SHORTCUTS}

# Keys that mean something on the form or in the window; a binding may not take them.
RESERVED = {
    **{str(d): "rates the focused item" for d in range(10)},
    "N": "marks the focused item N/A", ".": "marks the focused item N/A",
    "Backspace": "clears the focused item", "Del": "clears the focused item",
    "Up": "moves between items", "Down": "moves between items",
    "Tab": "moves between items", "Shift+Tab": "moves between items", "Backtab": "moves between items",
    "Return": "opens the item's note", "Enter": "opens the item's note", "Esc": "closes the note",
    "Space": "presses the focused button", "Ctrl+Return": "submits", "Ctrl+Enter": "submits",
    "F1": "lists the keyboard shortcuts", "Ctrl+M": "adds a mark", "Alt+Left": "goes back to the queue",
    "Ctrl+Q": "quits", "Ctrl+Shift+R": "switches rater", "Ctrl+Shift+E": "exports your ratings",
    "Ctrl+Shift+C": "opens coordinator mode",
}
DESKTOP_FILE = "shortcuts.json"


def normalise(key: str) -> str:
    """A key sequence in Qt's portable spelling ("ctrl+space" → "Ctrl+Space"); "" if invalid."""
    seq = QKeySequence(key.strip())
    if seq.isEmpty() or seq.count() != 1:
        return ""
    return seq.toString(QKeySequence.SequenceFormat.PortableText)


def resolve(rater: Mapping[str, list[str]] | None, desktop: Mapping[str, list[str]] | None) -> Bindings:
    """Each action's keys: the rater's own, else the desktop's, else the default."""
    out: Bindings = {}
    for name, default in DEFAULTS.items():
        for source in (rater or {}, desktop or {}):
            if name in source:
                out[name] = tuple(k for k in (normalise(k) for k in source[name]) if k)
                break
        else:
            out[name] = default
    return out


def conflicts(bindings: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Why these bindings cannot be used, in words for people (empty if they can)."""
    problems: list[str] = []
    owner: dict[str, str] = {}
    for name, keys in bindings.items():
        label = SPECS[name].label
        for key in keys:
            shown = key_label(key)
            if not normalise(key):
                problems.append(f"“{key}” is not a key ({label}).")
            elif key in RESERVED:
                problems.append(f"{shown} {RESERVED[key]}; choose another key for “{label}”.")
            elif key in owner and owner[key] != name:
                problems.append(f"{shown} is given to both “{SPECS[owner[key]].label}” and “{label}”.")
            else:
                owner[key] = name
    return problems


def key_label(key: str) -> str:
    """A portable key sequence as the platform writes it."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def keys_text(keys: tuple[str, ...]) -> str:
    """``"Ctrl+Space, F5"``; "—" when an action has no key."""
    return ", ".join(key_label(k) for k in keys) or "\u2014"


def key_text(spec: ShortcutSpec) -> str:
    """The default keys of ``spec`` as the platform writes them."""
    return keys_text(spec.keys)


def shortcut_help(bindings: Mapping[str, tuple[str, ...]] | None = None) -> list[tuple[str, str]]:
    """(label, keys) pairs for the help dialog, from ``bindings`` (the defaults if None)."""
    bindings = bindings or DEFAULTS
    return [(spec.label, keys_text(bindings.get(spec.name, ()))) for spec in PLAYER_SHORTCUTS]


def desktop_bindings(folder: Path | None = None) -> dict[str, list[str]]:
    """This desktop's bindings (empty when none were saved or the file is unreadable)."""
    path = (folder or data_dir()) / DESKTOP_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: [str(x) for x in v] for k, v in data.items() if k in SPECS and isinstance(v, list)}


def save_desktop_bindings(bindings: Mapping[str, tuple[str, ...]] | None, folder: Path | None = None) -> None:
    """Keep ``bindings`` for everyone on this desktop (None: back to the defaults)."""
    path = (folder or data_dir()) / DESKTOP_FILE
    if bindings is None:
        path.unlink(missing_ok=True)
        return
    with atomic_file(path, "w", encoding="utf-8") as fh:
        json.dump({k: list(v) for k, v in bindings.items()}, fh, indent=1)


def install_actions(host: QWidget, handlers: dict[str, Callable[[], None]]) -> dict[str, QAction]:
    """Create one QAction per command on ``host``, active while focus is anywhere inside it.

    ``host`` is the page or window holding both the player and the rating
    form, so the keys work while a rater is on the form.  The actions start
    with the default keys; :func:`apply_bindings` changes them.
    """
    actions = {}
    for spec in PLAYER_SHORTCUTS:
        action = QAction(spec.label, host)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(handlers[spec.name])
        host.addAction(action)
        actions[spec.name] = action
    apply_bindings(actions, DEFAULTS)
    return actions


def apply_bindings(actions: Mapping[str, QAction], bindings: Mapping[str, tuple[str, ...]]) -> None:
    """Give each action its keys and a tooltip naming them."""
    for name, action in actions.items():
        keys = bindings.get(name, ())
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setToolTip(f"{SPECS[name].label} ({keys_text(keys)})")
