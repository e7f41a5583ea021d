"""Guard against a Qt binding that corrupts reference counts.

PySide6 6.12.0 on Python 3.11 drops one reference to ``None`` on every call
of a void method (``setValue``, ``setText``…) and one to ``True`` on every
``Signal.emit``.  The player polls 20 times a second, so the app aborts with
"Fatal Python error: bool_dealloc" within about 30 s of playback.  PySide6
6.11.3 is fine; from Python 3.12 on, None and the bools are immortal and the
bug is harmless.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and the bools are immortal from Python 3.12")

CALLS = 50  # enough to see a leak, far too few to exhaust a refcount


class _Emitter(QObject):
    ping = Signal(int)


def test_void_calls_and_signal_emits_keep_refcounts(qapp):
    import PySide6

    label, emitter = QLabel(), _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(CALLS):
        label.setText(str(i))
        emitter.ping.emit(i)
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    hint = f"PySide6 {PySide6.__version__} corrupts refcounts on Python 3.11; pin PySide6 < 6.12"
    assert lost_none < CALLS // 2, hint
    assert lost_true < CALLS // 2, hint
