"""Sub-commands of the ``rater`` command line; each module has register() and run()."""
