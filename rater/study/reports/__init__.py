"""What a study has produced: overview, progress, homework log, the reliability data and figures, the score reader."""
