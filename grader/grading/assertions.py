"""Returns a failed assertion's message as a report shows it: the test's own words, or NumPy's explained.

A test's own message is a sentence the assignment's catalog may translate whole. NumPy's testing functions
(`np.testing.assert_allclose` and the like, as public tests use them) write a report of their own in
English, which no catalog can hold: a report keeps it as written, after a sentence in its own language
that says what it is and how to read it.
"""

from __future__ import annotations

import re

from grader.text import N_, Text, text, verbatim

_NUMPY_HEADERS = re.compile(
    r"(Not equal to tolerance|Arrays are not|Items are not equal|Strings are not equal|"
    r"x and y nan location mismatch|x and y \+?-?inf location mismatch)"
)
_SHAPES = re.compile(r"^\(shapes .* mismatch\)$", re.MULTILINE)


def assertion_text(message: str) -> Text:
    """Returns the sentence a report shows for an AssertionError's `message` (stripped)."""
    if not _NUMPY_HEADERS.match(message):
        return text(message or N_("a check on your values failed."))
    lead = _NUMPY_SHAPES if _SHAPES.search(message) else _NUMPY_VALUES
    return text(lead, numpy=verbatim(message))


_NUMPY_VALUES = N_(
    "NumPy's check found values of yours that differ from the expected ones. Its report follows, in English: "
    "ACTUAL is what your code returned, DESIRED what was expected.\n{numpy}"
)
_NUMPY_SHAPES = N_(
    "NumPy's check found that what your code returned has another shape than the expected value. Its report "
    "follows, in English: ACTUAL is what your code returned, DESIRED what was expected.\n{numpy}"
)
