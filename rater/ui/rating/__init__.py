"""The rating page: player, form, marks, homework log, autosave."""
