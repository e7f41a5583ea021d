"""Coordinator screens for setting up a study: the study, raters, teams, patients, sessions, assignments."""
