"""Exporting the pooled workbook from the Export screen: worker thread, progress, errors, cancel."""

from __future__ import annotations

import os
import threading

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QPushButton

from rater.ui.coordinator import export_screen
from rater.ui.coordinator.export_screen import ExportScreen


def rate(ws, rater_name: str, instrument: str, values: dict[str, int], submit: bool = True) -> str:
    """One of the demo rater's assignments, answered (and submitted) through the Workstation."""
    rater = next(r for r in ws.raters() if r.name == rater_name)
    entry = next(e for e in ws.queue(rater.id) if instrument in e.instrument_name)
    ws.open(entry.assignment_id, rater.id)
    for item, value in values.items():
        ws.set_response(entry.assignment_id, rater.id, item, value)
    if submit:
        ws.submit(entry.assignment_id, rater.id)
    return entry.assignment_id


def long_rows(path) -> list[dict]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb["Ratings long"].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    # Read-only worksheets drop trailing empty cells of a row.
    return [dict(zip(header, (*r, *[None] * (len(header) - len(r))), strict=True)) for r in rows[1:]]


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def export(qtbot, screen: ExportScreen) -> None:
    screen.export_button.click()
    assert screen.run.dialog.isVisible()
    qtbot.waitUntil(lambda: screen.result_box.isVisible(), timeout=20_000)


def test_export_writes_the_workbook_in_a_worker(qtbot, coordinator, ws, tmp_path, monkeypatch):
    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    threads = []
    real = export_screen.export_study

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(export_screen, "export_study", spy)
    screen = coordinator.show_screen(ExportScreen)
    assert screen.workbook.text().endswith(".xlsx") and "DEMO-pooled-" in screen.workbook.text()
    target = tmp_path / "out" / "pooled.xlsx"
    target.parent.mkdir()
    screen.workbook.setText(str(target))
    screen.csv_folder.setText(str(tmp_path / "csv"))
    export(qtbot, screen)

    assert threads and threads[0] != threading.get_ident()
    assert screen.summary is not None and screen.summary.workbook == target
    assert "Exported study DEMO" in screen.result.text() and str(target) in screen.result.text()
    assert screen.sheets.item(0, 0).text() == "Ratings long" and screen.sheets.item(0, 1).text() == "3"
    assert screen.open_button.isEnabled()
    scores = {(r["rater"], r["item"]): r["value"] for r in long_rows(target)}
    assert scores == {("R02", "time"): 3, ("R02", "frequency"): 2, ("R02", "effort"): 4}
    assert (tmp_path / "csv" / "ratings_long.csv").is_file()
    assert leftovers(target.parent) == []

    opened = []
    monkeypatch.setattr(export_screen, "open_folder", lambda path: opened.append(path) or True)
    screen.open_button.click()
    assert opened == [target.parent]


def test_in_progress_ratings_only_when_asked(qtbot, coordinator, ws, tmp_path):
    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    rate(ws, "Alex Rivera", "Therapist", {"asg1": 1}, submit=False)
    screen = coordinator.show_screen(ExportScreen)
    screen.workbook.setText(str(tmp_path / "submitted.xlsx"))
    export(qtbot, screen)
    assert {r["rater"] for r in long_rows(tmp_path / "submitted.xlsx")} == {"R02"}

    screen.result_box.hide()
    screen.in_progress.setChecked(True)
    screen.workbook.setText(str(tmp_path / "all.xlsx"))
    export(qtbot, screen)
    assert {r["rater"] for r in long_rows(tmp_path / "all.xlsx")} == {"R01", "R02"}


@pytest.mark.parametrize("where", ["missing folder", "parent is a file", "read-only folder"])
def test_unwritable_path_is_reported_and_leaves_nothing(qtbot, coordinator, ws, tmp_path, answered_dialogs, where):
    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    if where == "missing folder":
        folder = tmp_path / "no such folder"
    elif where == "parent is a file":
        folder = tmp_path / "notes.txt"
        folder.write_text("a file, not a folder")
    else:
        if os.geteuid() == 0:
            pytest.skip("root can write into a read-only folder")
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    target = folder / "pooled.xlsx"
    screen = coordinator.show_screen(ExportScreen)
    screen.workbook.setText(str(target))
    export(qtbot, screen)

    title, text = answered_dialogs.messages[-1]
    assert title == "Export failed" and "pooled.xlsx" in text
    assert screen.result.text().startswith("Export failed:")
    assert not screen.sheets.isVisible() and not screen.open_button.isEnabled()
    assert not target.exists()
    assert list(tmp_path.rglob(".pooled.xlsx*")) == []  # no temporary file left either
    if folder.is_dir():
        assert os.listdir(folder) == []


def test_cancel_leaves_nothing_behind(qtbot, coordinator, ws, tmp_path, monkeypatch):
    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    go = threading.Event()
    real = export_screen.export_study

    def held(*args, **kwargs):
        go.wait(10)  # the worker waits until the test has pressed Cancel
        return real(*args, **kwargs)

    monkeypatch.setattr(export_screen, "export_study", held)
    screen = coordinator.show_screen(ExportScreen)
    out = tmp_path / "out"
    out.mkdir()
    screen.workbook.setText(str(out / "pooled.xlsx"))
    screen.export_button.click()
    screen.run.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    assert "Stopping" in screen.run.dialog.labelText()
    go.set()
    qtbot.waitUntil(lambda: screen.result_box.isVisible(), timeout=20_000)

    assert screen.result.text() == "Export cancelled: no file was written."
    assert os.listdir(out) == []


def test_replacing_an_existing_workbook_asks_first(qtbot, coordinator, ws, tmp_path, answered_dialogs):
    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    target = tmp_path / "pooled.xlsx"
    target.write_bytes(b"the PI's annotated copy")
    screen = coordinator.show_screen(ExportScreen)
    screen.workbook.setText(str(target))
    answered_dialogs.confirm_answer = False
    screen.export_button.click()
    assert answered_dialogs.confirms[-1] == "Replace the workbook?"
    assert screen.run is None and target.read_bytes() == b"the PI's annotated copy"

    answered_dialogs.confirm_answer = True
    export(qtbot, screen)
    assert long_rows(target)[0]["rater"] == "R02"


def test_spss_files_on_request(qtbot, coordinator, ws, tmp_path, monkeypatch):
    import pyreadstat

    rate(ws, "Sam Chen", "General", {"time": 3, "frequency": 2, "effort": 4})
    screen = coordinator.show_screen(ExportScreen)
    screen.workbook.setText("")
    warned = []
    monkeypatch.setattr(export_screen.dialogs, "warn", lambda parent, title, text: warned.append(title))
    screen.spss.setChecked(True)
    screen.export_button.click()  # no CSV folder: the SPSS files need one
    assert warned == ["Nothing to export"] and screen.run is None
    screen.workbook.setText(str(tmp_path / "pooled.xlsx"))
    screen.export_button.click()
    assert warned[-1] == "Choose a CSV folder" and screen.run is None
    screen.csv_folder.setText(str(tmp_path / "csv"))
    export(qtbot, screen)
    assert "SPSS: ratings_wide.sav, session_means.sav." in screen.result.text()
    frame, meta = pyreadstat.read_sav(str(tmp_path / "csv" / "ratings_wide.sav"))
    assert frame["time"].tolist() == [3.0] and meta.column_names_to_labels["time"]
