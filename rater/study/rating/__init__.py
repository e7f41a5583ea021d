"""The rater's work: the workstation, rating writes through the write queue, submit checks, playback, evidence, segments, preferences."""
