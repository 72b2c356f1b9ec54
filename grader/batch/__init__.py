"""Grading a class: finding the submissions, grading them in parallel processes, resuming a batch."""
