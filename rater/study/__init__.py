"""The study model's services: rater workstation, set-up, demo study."""
