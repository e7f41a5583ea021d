"""Training screens for raters: the Training section of the queue, worked examples, practice feedback."""
