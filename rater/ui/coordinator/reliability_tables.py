"""The Reliability screen's tables: one row per scale or item, and the details of the selected one.

An undefined statistic is shown as "—" and its reason is the cell's tooltip
(and is listed in the details), never a blank or "nan". Every number's exact
value is kept in the cell under :data:`VALUE_ROLE` for copying and tests.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from rater.stats import ICC_FORMS, IccResult, ScaleReliability
from rater.ui.coordinator.widgets import make_table

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
DASH = "—"
HEADLINE = {"one-way": "ICC(1,k)", "two-way": "ICC(A,k)"}  # as in the exported Reliability sheet
FORM_HELP = {
    "ICC(1,1)": "One-way random, single rater (Shrout & Fleiss ICC(1,1))",
    "ICC(1,k)": "One-way random, mean of k raters (S&F ICC(1,k)); the headline when raters rotate",
    "ICC(A,1)": "Two-way, absolute agreement, single rater (S&F ICC(2,1))",
    "ICC(A,k)": "Two-way, absolute agreement, mean of k raters (S&F ICC(2,k)); the headline for fixed raters",
    "ICC(C,1)": "Two-way, consistency, single rater (S&F ICC(3,1))",
    "ICC(C,k)": "Two-way, consistency, mean of k raters (S&F ICC(3,k))",
}
LEAD = ["Instrument", "Sessions", "k", "Design"]
ALPHAS = ["Cronbach's α", "Median α by session"]
KRIPPENDORFF = ["Krippendorff's α (interval)", "Krippendorff's α (ordinal)"]


def columns(kind: str) -> list[str]:
    """Header labels of the scale (``kind="scale"``) or item table."""
    return ["Scale" if kind == "scale" else "Item", *LEAD, *ICC_FORMS,
            *(ALPHAS if kind == "scale" else []), *KRIPPENDORFF, "Rule"]


def make_reliability_table(kind: str) -> QTableWidget:
    """An empty read-only table with explanatory header tooltips."""
    labels = columns(kind)
    table = make_table(labels, stretch=len(labels) - 1)
    for c, label in enumerate(labels):
        tip = FORM_HELP.get(label) or {
            "Sessions": "Sessions in the ICC (those with k scored ratings)",
            "k": "Raters per session in the ICC",
            "Design": "one-way: raters rotate across sessions; two-way: the same raters rated every session",
            "Cronbach's α": "Over ratings (one rater's rating of one session), items as columns, listwise",
            "Median α by session": "Median over session numbers of alpha on the raters' mean item scores",
            "Rule": "How ratings were scored and which sessions entered the ICC",
        }.get(label, "")
        table.horizontalHeaderItem(c).setToolTip(tip)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The rule is a long sentence: a fixed, stretchable last column (full text in its tooltip).
    header.setSectionResizeMode(len(labels) - 1, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(len(labels) - 1, 360)
    header.setStretchLastSection(True)
    return table


def _number(value: float | None, reason: str | None, tip: str = "", digits: int = 2,
            text: str | None = None) -> QTableWidgetItem:
    if value is None:
        item = QTableWidgetItem(DASH)
        item.setToolTip(f"Undefined: {reason}" if reason else "Undefined")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        return item
    item = QTableWidgetItem(text if text is not None else f"{value:.{digits}f}")
    item.setData(VALUE_ROLE, float(value))
    item.setToolTip(tip)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def icc_text(r: IccResult) -> str:
    """"0.81 [0.62, 0.92]": the value and its 95% CI (undefined limits as —)."""
    lo, hi = (f"{x:.2f}" if x is not None else DASH for x in r.ci95)
    return f"{r.value:.2f} [{lo}, {hi}]"


def _icc_tip(form: str, r: IccResult) -> str:
    parts = [f"{form} = {r.value:.4f}"]
    if r.ci95[0] is not None and r.ci95[1] is not None:
        parts.append(f"95% CI {r.ci95[0]:.4f} to {r.ci95[1]:.4f}")
    if r.F is not None:
        p = f", p = {r.p:.3g}" if r.p is not None else ""
        parts.append(f"F({r.df1}, {r.df2}) = {r.F:.3f}{p}")
    if r.reason:
        parts.append(r.reason)
    return "\n".join(parts + [FORM_HELP[form]])


def _text(value: object, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setToolTip(tip)
    if isinstance(value, int):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def row_items(result: ScaleReliability, instrument: str, kind: str) -> list[QTableWidgetItem]:
    """The cells of one row, in :func:`columns` order."""
    name = _text(result.name, result.rule)
    cells = [name, _text(instrument), _text(result.n_sessions, f"{result.n_sessions_dropped} dropped, "
                                                              f"{result.n_sessions_truncated} truncated"),
             _text(result.k_raters), _text(result.design, f"Headline: {HEADLINE[result.design]}")]
    for form in ICC_FORMS:
        r = result.icc[form]
        cell = _number(r.value, r.reason, "" if r.value is None else _icc_tip(form, r),
                       text=icc_text(r) if r.value is not None else None)
        if form == HEADLINE[result.design]:
            bold = QFont(cell.font())
            bold.setBold(True)
            cell.setFont(bold)
        cells.append(cell)
    if kind == "scale":
        a, by_session = result.cronbach, result.cronbach_by_session
        cells.append(_number(a.value, a.reason, f"{a.n_rows} ratings × {a.n_items} items, listwise"))
        per_number = "; ".join(f"session {n}: " + (f"{r.value:.2f}" if r.value is not None else f"— ({r.reason})")
                               for n, r in sorted(by_session.by_session_number.items()))
        cells.append(_number(by_session.median, by_session.reason, per_number))
    for k in (result.krippendorff_interval, result.krippendorff_ordinal):
        cells.append(_number(k.value, k.reason, f"{k.n_units} sessions, {k.n_values} scores"))
    cells.append(_text(result.rule, result.rule))
    return cells


def fill(table: QTableWidget, results: Sequence[ScaleReliability], sources: Mapping[str, tuple[str, str]],
         kind: str) -> None:
    """Replace the table's rows; the current row is kept by name."""
    current = table.item(table.currentRow(), 0).text() if table.currentRow() >= 0 and table.item(
        table.currentRow(), 0) else None
    table.setRowCount(len(results))
    for r, result in enumerate(results):
        for c, cell in enumerate(row_items(result, sources.get(result.name, ("", ""))[0], kind)):
            table.setItem(r, c, cell)
    names = [res.name for res in results]
    if results:
        table.selectRow(names.index(current) if current in names else 0)


def details_html(result: ScaleReliability, instrument: str, ci_method: str) -> str:
    """Everything about one scale: rule, the six ICCs with their F tests, alphas, notes."""
    e = html.escape
    rows = []
    for form in ICC_FORMS:
        r = result.icc[form]
        if r.value is None:
            rows.append(f"<tr><td>{form}</td><td colspan=4>{DASH} {e(r.reason or '')}</td></tr>")
            continue
        ci = ", ".join(f"{x:.3f}" if x is not None else DASH for x in r.ci95)
        F = f"F({r.df1}, {r.df2}) = {r.F:.2f}" if r.F is not None else DASH
        p = f"{r.p:.3g}" if r.p is not None else DASH
        mark = " <b>(headline)</b>" if form == HEADLINE[result.design] else ""
        rows.append(f"<tr><td>{form}{mark}</td><td align=right>{r.value:.3f}</td><td>[{ci}]</td>"
                    f"<td>{F}</td><td>p = {p}</td></tr>")
    a, s = result.cronbach, result.cronbach_by_session
    alpha = f"{a.value:.3f} ({a.n_rows} ratings × {a.n_items} items)" if a.value is not None else f"{DASH} {a.reason}"
    per_number = ", ".join(f"session {n}: " + (f"{x.value:.3f}" if x.value is not None else f"{DASH} ({x.reason})")
                           for n, x in sorted(s.by_session_number.items()))
    median = f"{s.median:.3f}" if s.median is not None else f"{DASH} {s.reason or ''}"
    kripp = "; ".join(f"{k.level} {k.value:.3f}" if k.value is not None else f"{k.level} {DASH} ({k.reason})"
                      for k in (result.krippendorff_interval, result.krippendorff_ordinal))
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    return (f"<h3>{e(result.name)} <span style='font-weight:normal'>({e(instrument)}, {result.n_items} item(s), "
            f"{e(result.method)})</span></h3>"
            f"<p>{result.n_sessions} session(s), k = {result.k_raters}, {result.design} design "
            f"(headline {HEADLINE[result.design]}).</p><p><i>{e(result.rule)}</i></p>"
            f"<table cellspacing=0 cellpadding=3>{''.join(rows)}</table>"
            f"<p>Cronbach's α over ratings: {e(alpha)}<br>α by session number: {e(per_number) or DASH}; "
            f"median {e(median)}<br>Krippendorff's α: {e(kripp)}</p>"
            + (f"<p>Why some values are undefined:</p><ul>{notes}</ul>" if notes else "")
            + f"<p style='color:#6b7280'>{e(ci_method)}.</p>")
