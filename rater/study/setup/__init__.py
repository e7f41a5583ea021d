"""Setting up a study: study files, editing raters, teams, patients and sessions, coordination, settings, the demo study."""
