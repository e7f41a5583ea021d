"""Coordinator mode: setting up a study, assigning sessions, the homework log, progress, reopening.

Reached only through the main window's "Coordinator…" action and the
coordinator password (:mod:`rater.ui.coordinator.mode`); no coordinator
screen exists until the password was given. Screens are small modules, one
per left-hand navigation entry, calling the Qt-free services in
:mod:`rater.study`.
"""
