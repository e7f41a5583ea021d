"""Plain-text reports of training for ``rater status`` and ``rater training status``."""

from __future__ import annotations

from rater.storage import models as m
from rater.storage.database import Database
from rater.study.setup.settings import StudySettings
from rater.study.training import certification
from rater.study.training.agreement import percent
from rater.study.training.views import CertStatus, Criterion, FeedbackView

STATE_LABELS = {"certified": "certified", "expired": "expired", "not_certified": "not certified",
                "no_criterion": "no criterion"}


def figures(st: CertStatus) -> str:
    """The figures of the latest decision in one line."""
    if st.latest is None:
        return "no practice rated"
    a = st.latest.agreement
    return (f"{st.latest.window} recording(s): exact {percent(a.exact)}, within ±1 {percent(a.within1)}, "
            f"MAD {a.mad or 0:.2f}")


def format_certification(statuses: list[CertStatus], criteria: dict[str, Criterion], hold: bool,
                         history: bool = False) -> str:
    """Criteria, then one line per rater and instrument (and each decision with ``history``)."""
    lines = ["Certification" + (" (study assignments held until certified)" if hold else "")]
    if not criteria:
        return "\n".join([*lines, "  no criterion set (rater training criterion …)"])
    lines += [f"  {key}: {c.describe()}" for key, c in sorted(criteria.items())]
    for st in statuses:
        until = f" until {st.expires_at:%Y-%m-%d}" if st.state == "certified" and st.expires_at else ""
        lines.append(f"  {st.rater_code:10} {st.instrument_key:12} {STATE_LABELS[st.state] + until:28} {figures(st)}")
        if history:
            for d in st.history:
                a = d.agreement
                lines.append(f"      {d.at:%Y-%m-%d %H:%M} {d.label:12} {d.kind:13} window {d.window}: "
                             f"±1 {percent(a.within1)}, MAD {a.mad or 0:.2f} → {'pass' if d.passed else 'not met'}")
    return "\n".join(lines)


def format_feedback(fb: FeedbackView) -> str:
    """The feedback screen as text (``rater training feedback``)."""
    lines = [f"{fb.instrument.name} — {fb.patient_code} session {fb.session_number}", "",
             f"  {'item':8} {'you':>4} {'gold':>5}  rationale"]
    for c in fb.comparisons:
        if not c.applies:
            continue
        mine = "N/A" if c.rater.is_na else ("" if c.rater.value is None else str(c.rater.value))
        gold = "N/A" if c.gold.is_na else ("" if c.gold.value is None else str(c.gold.value))
        flag = "" if c.difference in (None, 0) else f" ({c.difference:+d})"
        lines.append(f"  {c.item_id:8} {mine:>4} {gold:>5}{flag:6} {c.rationale}")
    s, r = fb.summary, fb.running
    lines += ["", f"This recording: exact {percent(s.exact)}, within ±1 {percent(s.within1)}, "
                  f"mean absolute difference {s.mad or 0:.2f} ({s.n} items)",
              f"All your practice ({fb.running_count} recordings): exact {percent(r.exact)}, "
              f"within ±1 {percent(r.within1)}, mean absolute difference {r.mad or 0:.2f}"]
    if fb.marks:
        lines += ["", "Gold evidence marks:"]
        lines += [f"  {mk.position_ms // 60000:02d}:{mk.position_ms // 1000 % 60:02d} {mk.text}" for mk in fb.marks]
    if fb.status is not None:
        lines += ["", fb.status.reason()]
    return "\n".join(lines)


def certification_report(db: Database, study_id: str, history: bool = False) -> str:
    """The certification block of ``rater status`` and ``rater training status``."""
    with db.reading() as s:
        crit = certification.criteria(s, study_id)
        hold = StudySettings.read(s.get(m.Study, study_id).settings).hold_until_certified
        statuses = certification.statuses(s, study_id, m.utcnow())
    return format_certification(statuses, crit, hold, history)
