"""The rating form generated from an instrument definition."""
