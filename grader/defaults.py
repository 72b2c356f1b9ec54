"""Defaults and choices the command line shows before it loads the code that uses them.

A leaf of plain constants, so `grader check` can start its worker before importing the rest of the
grader (pytest, NumPy, matplotlib); the modules that use each value import it from here.
"""

LAYOUTS = ("auto", "canvas", "moodle", "gradescope", "classroom", "plain")
"""How a folder of submissions may be laid out: an LMS's download, or files named by student id."""

EXPORTS = ("auto", "canvas", "moodle", "plain")
"""Which LMS's import and feedback files a run writes: auto takes the LMS the download came from."""

SIMILARITY_FLOOR = 0.9
"""Pairs below this similarity (the larger of the two shares of matched, rarity-weighted code) are not
listed. Short exercises leave students few ways to write a function, so independent solutions can score
high too; on the planted class of benchmarks/similarity_planted.py the 5 disguised copies rank first."""

CI_MIN_SCORE = 100.0
"""Percent of the assignment's points at or above which `grader ci` exits 0: by default a job is green
when every hidden test passes, as a test job is. Feedback-only workflows pass --min-score 0."""
