"""Starting the application: database errors as dialogs, the demo offer, light start-up."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from rater.ui import app as app_module

ROOT = Path(__file__).resolve().parents[2]


def test_a_file_that_is_not_a_database_gives_a_dialog_and_exit_code_2(qapp, tmp_path, answered_dialogs):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("these are my notes, not a database\n" * 20)
    assert app_module.run(str(bogus), demo="no") == 2
    title, text = answered_dialogs.messages[-1]
    assert title == "Cannot open the database"
    assert "not a Session Rater database" in text
    assert "Traceback" not in text
    assert bogus.read_text().startswith("these are my notes")


def test_a_folder_is_refused_too(qapp, tmp_path, answered_dialogs):
    assert app_module.open_main_window(str(tmp_path), demo="no") == 2
    assert "is a folder" in answered_dialogs.messages[-1][1]


def test_empty_database_offers_the_demo_study(qtbot, tmp_path, answered_dialogs):
    window = app_module.open_main_window(str(tmp_path / "new.sqlite"), demo="ask")
    qtbot.addWidget(window)
    assert answered_dialogs.confirms == ["Create the demo study?"]
    # Alex and Sam to try, and the six colleagues whose ratings are already in.
    names = [window.rater_page.list.item(i).text() for i in range(window.rater_page.list.count())]
    assert len(names) == 8 and any("Alex Rivera" in n for n in names) and any("Sam Chen" in n for n in names)
    window.close()


def test_declining_the_demo_leaves_an_empty_study(qtbot, tmp_path, answered_dialogs):
    answered_dialogs.confirm_answer = False
    window = app_module.open_main_window(str(tmp_path / "new.sqlite"), demo="ask")
    qtbot.addWidget(window)
    assert window.rater_page.list.count() == 0
    assert not window.rater_page.empty_label.isHidden()
    window.close()


def test_demo_no_does_not_ask(qtbot, tmp_path, answered_dialogs):
    window = app_module.open_main_window(str(tmp_path / "new.sqlite"), demo="no")
    qtbot.addWidget(window)
    assert answered_dialogs.confirms == []
    window.close()


def test_start_up_does_not_load_the_media_stack_or_exporters(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        start = time.perf_counter()
        from rater.ui import app
        qt_app = app.application()
        window = app.open_main_window({str(tmp_path / 'db.sqlite')!r}, demo="yes")
        qt_app.processEvents()
        print(round(time.perf_counter() - start, 3))
        heavy = [m for m in ("vlc", "openpyxl", "rater.ui.player", "PySide6.QtMultimedia") if m in sys.modules]
        print(heavy)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RATER_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split("\n")
    assert out[1] == "[]"
