"""Starting the desktop application.

Start-up shows the window first and opens the database right after, so the
rater sees the application at once while the storage layer loads. The media
stack (libVLC) loads when a session is opened, export libraries only when
exporting.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from rater.paths import APP_NAME
from rater.ui import dialogs

if TYPE_CHECKING:
    from rater.ui.common.player_area import PlayerWidgetFactory
    from rater.ui.main_window import MainWindow

log = logging.getLogger(__name__)

EXIT_DATABASE = 2
ORGANIZATION = "Session Rater"
DEMO_CHOICES = ("ask", "yes", "no")


def application() -> QApplication:
    """The QApplication, created and styled once."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName("Session Rater")
        app.setOrganizationName(ORGANIZATION)
        from rater.ui.style import apply_style

        apply_style(app)
    return app


def show_window(*, fullscreen: bool = False, player_factory: PlayerWidgetFactory | None = None) -> MainWindow:
    """The main window, shown, still waiting for its database."""
    from rater.ui.main_window import MainWindow

    window = MainWindow(player_factory=player_factory)
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return window


def attach_database(window: MainWindow, db_target: str | None, demo: str = "ask") -> int | None:
    """Open the database into ``window`` (offering the demo study if it is empty).

    Returns None on success, or the exit code after telling the user why the
    database cannot be used — a dialog, never a traceback.
    """
    from rater.paths import default_db_path
    from rater.storage import DatabaseError, open_database
    from rater.storage.lock import lock_database
    from rater.study.rating.workstation import Workstation
    from rater.study.setup.demo import create_demo_study, is_empty

    target = db_target or str(default_db_path())
    lock = None
    try:
        # Locked before opening, so a second copy never migrates or writes the file the first one has open.
        lock = lock_database(target)
        db = open_database(target)
        empty = is_empty(db)
    except Exception as exc:  # noqa: BLE001 - a dialog, never a traceback, for the rater
        if lock is not None:
            lock.release()
        if isinstance(exc, DatabaseError):
            log.error("cannot open database %s: %s", target, exc)
            dialogs.error(window, "Cannot open the database", _database_message(exc))
        else:
            log.exception("cannot open database %s", target)
            dialogs.error(window, "Cannot open the database",
                          f"The database {target} could not be opened:\n\n{exc}")
        return EXIT_DATABASE
    if lock is not None:
        # The window owns the lock: held as long as the window exists (a local would be
        # collected on return, closing the file and silently dropping the lock).
        window.app_lock = lock
        window.destroyed.connect(lock.release)
    if empty and (demo == "yes" or (demo == "ask" and dialogs.confirm(
        window, "Create the demo study?",
        "This database is empty.\n\nCreate the demo study? Try rating as Alex or Sam on a few short "
        "recordings; six colleagues have already rated every session, so coordinator mode shows "
        "reliability and progress too.", ok="Create demo study",
    ))):
        try:
            create_demo_study(db, full=True)
        except (DatabaseError, OSError) as exc:
            log.exception("demo study not created")
            dialogs.warn(window, "Demo study not created", str(exc))
    window.destroyed.connect(db.close)
    workstation = Workstation(db)
    writes = workstation.writes  # replays changes journalled while the database was unreachable
    flushed = writes.flush() if writes.pending else None
    if flushed is not None and flushed.rejected:
        dialogs.warn(window, "Changes not saved", "Changes made earlier could not be saved:\n\n"
                     + "\n".join(flushed.rejected))
    if flushed is not None and not flushed.saved:
        dialogs.warn(window, "Changes waiting to be saved",
                     f"{writes.pending} change(s) made while the database was unreachable are kept on "
                     f"this computer and will be saved as soon as it answers.\n\n{writes.last_error}")
    if writes.unreadable:
        dialogs.warn(window, "Unreadable changes kept aside",
                     f"{len(writes.unreadable)} change(s) in {writes.journal} could not be read. They are kept "
                     f"unchanged in {writes.journal.with_suffix('.unreadable.jsonl')} for the lab manager.")
    window.attach(workstation)
    return None


def open_main_window(db_target: str | None = None, *, demo: str = "ask", fullscreen: bool = False,
                     player_factory: PlayerWidgetFactory | None = None) -> MainWindow | int:
    """Show the window and open the database now; the window, or an exit code."""
    window = show_window(fullscreen=fullscreen, player_factory=player_factory)
    code = attach_database(window, db_target, demo)
    if code is not None:
        window.close()
        window.deleteLater()
        return code
    return window


def _database_message(exc: Exception) -> str:
    advice = {
        "locked": "Close the other copy of Session Rater that uses this database, then start again.",
        "read_only": "Ask the lab manager for write access, or start Session Rater with another database.",
        "not_a_database": "Check which file you chose: Session Rater did not change it.",
    }.get(getattr(exc, "kind", ""), "")
    return f"{exc}\n\n{advice}".strip()


def run(db_target: str | None = None, *, demo: str = "ask", fullscreen: bool = False) -> int:
    """Run the rater application; returns the process exit code (2: the database cannot be used)."""
    if demo not in DEMO_CHOICES:
        raise ValueError(f"demo must be one of {DEMO_CHOICES}, not {demo!r}")
    app = application()
    window = show_window(fullscreen=fullscreen)

    def connect() -> None:
        code = attach_database(window, db_target, demo)
        if code is not None:
            app.exit(code)

    QTimer.singleShot(0, connect)
    code = app.exec()
    window.deleteLater()
    return code
