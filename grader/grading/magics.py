"""Returns a code cell's lines as Python: the lines only IPython reads (magics, shell escapes, help) made inert.

Jupyter runs a cell through IPython, which reads more than Python: `%magic`, `%%cell_magic`, `!shell`,
`name?`. The grader runs cells as plain Python, so each such line becomes `pass` (an empty value when its
result is assigned, as in `files = !ls`) with what it held as a comment, and every line stays where it
was: reports point at "cell N, line M". A line inside a multi-line string is text, never a magic.

IPython's own transformer (IPython.core.inputtransformer2.TransformerManager) was measured for this and
is not used: it re-tokenizes the whole cell once per magic, so its cost grows with the square of the
cell (a 200-line cell of 100 shell escapes takes 1 s, of 400 takes 15 s, and 500 or more raise
RuntimeError; a 1.2 MB cell with 20 escapes takes 110 s), in the trusted process where no limit
applies; it folds a cell magic's body into one string argument (`%%time` would hide the functions a
cell defines) and joins a magic's continuation lines, moving the lines after it; and it adds 14
packages (55 MB) whose import costs 0.06-0.16 s in each grading process. This code is linear.
"""

from __future__ import annotations

import re

PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
"""Cell magics whose body is Python: the magic line is dropped and the body kept."""

_MAGIC_LINE = re.compile(r"^(\s*)([%!].*|\?\??[\w.]+\s*|[\w.]+\?\??\s*)$")
"""IPython-only lines: magics, shell escapes, and help lookups (`name?`, `name??`, `?name`)."""
_ASSIGNED_MAGIC = re.compile(r"^(\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)([%!].*)$")
"""A magic or shell escape whose result is assigned: `files = !ls`, `home = %env HOME`."""
_CELL_MAGIC = re.compile(r"^\s*%%(\w+)")
_STRING_START = re.compile(r"#|'''|\"\"\"|'|\"")
"""What starts a comment or a string; in a comment, no quote counts."""


def python_lines(lines: list[str]) -> list[str]:
    """Returns the cell's lines with IPython-only lines made inert, keeping line numbers and indents."""
    if lines and (magic := _CELL_MAGIC.match(lines[0])):
        if magic.group(1) not in PYTHON_CELL_MAGICS:
            return ["pass  # the grader dropped this cell: its %%" + magic.group(1) + " magic is not Python"]
        lines = ["pass  # the grader dropped: " + lines[0].strip(), *lines[1:]]
    kept: list[str] = []
    quote: str | None = None
    for line in lines:
        if quote is None and (match := _MAGIC_LINE.match(line)):
            kept.append(f"{match.group(1)}pass  # the grader dropped: {match.group(2)}")
        elif quote is None and (match := _ASSIGNED_MAGIC.match(line)):
            empty = "[]" if match.group(2).startswith("!") else "None"  # what IPython's shell gives without output
            kept.append(f"{match.group(1)}{empty}  # the grader dropped: {match.group(2)}")
        else:
            kept.append(line)
            quote = open_string(line, quote)
    return kept


def open_string(line: str, quote: str | None) -> str | None:
    """Returns the triple quote of a string still open at the end of `line`, given the one open at its start.

    A one-line string ends with its line (a backslash-newline inside one is too rare to follow).
    """
    position = 0
    while True:
        if quote is None:
            start = _STRING_START.search(line, position)
            if start is None or start.group() == "#":
                return None
            quote, position = start.group(), start.end()
        end = _string_end(line, position, quote)
        if end < 0:
            return quote if len(quote) == 3 else None
        quote, position = None, end


def _string_end(line: str, position: int, quote: str) -> int:
    """Returns where the string that `quote` closes ends in `line`, searching from `position`; -1 if not there."""
    while (found := line.find(quote, position)) >= 0:
        before = line[position:found]
        if (len(before) - len(before.rstrip("\\"))) % 2 == 0:  # an odd run of backslashes escapes the quote
            return found + len(quote)
        position = found + 1
    return -1
