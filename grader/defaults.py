"""Defaults and choices the command line shows before it loads the code that uses them.

A leaf of plain constants, so `grader check` can start its worker before importing the rest of the
grader (pytest, NumPy, matplotlib); the modules that use each value import it from here.
"""

LAYOUTS = ("auto", "canvas", "moodle", "gradescope", "classroom", "plain")
"""How a folder of submissions may be laid out: an LMS's download, or files named by student id."""

EXPORTS = ("auto", "canvas", "moodle", "plain")
"""Which LMS's import and feedback files a run writes: auto takes the LMS the download came from."""

SIMILARITY_FLOOR = 0.9
"""Pairs below this similarity (the larger of the two shares of matched code) are not listed. Short
exercises leave students few ways to write a function: in a generated class of a five-function exercise,
half the pairs of independent solutions share 50% of their code, 2% share 90%; a disguised copy scores 1."""

CI_MIN_SCORE = 100.0
"""Percent of the assignment's points at or above which `grader ci` exits 0: by default a job is green
when every hidden test passes, as a test job is. Feedback-only workflows pass --min-score 0."""
