"""gd-autograder: grade programming exercises with hidden tests, each submission in its own worker."""

__version__ = "0.1.0"
