"""Two-way binding between a model value and widgets, without feedback loops.

User edits travel widget → model through the widget's own signals; the model's
change signal then pushes the value back into every bound widget with their
signals blocked, so a programmatic update never looks like a user edit
(the napari / glue-echo pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QSignalBlocker, SignalInstance


@contextmanager
def signals_blocked(objects: Iterable[QObject]) -> Iterator[None]:
    blockers = [QSignalBlocker(o) for o in objects]
    try:
        yield
    finally:
        for blocker in blockers:
            blocker.unblock()


class Binding:
    """Pushes model changes into widgets (signals blocked) and forwards user edits.

    ``widgets()`` lists the widgets to silence during an update; ``push()``
    copies the model value into them.
    """

    def __init__(self, widgets: Callable[[], Iterable[QObject]], push: Callable[[], None]):
        self._widgets = widgets
        self._push = push

    def refresh(self) -> None:
        with signals_blocked(self._widgets()):
            self._push()

    def follow(self, model_signal: SignalInstance, accept: Callable[..., bool] = lambda *a: True) -> None:
        """Refresh whenever ``model_signal`` fires and ``accept(*args)`` is true."""
        model_signal.connect(lambda *args: self.refresh() if accept(*args) else None)
