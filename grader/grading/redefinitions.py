"""Returns a note on the assignment's functions a notebook defines in more than one cell.

Python keeps a name's last definition: a later cell that reuses the name of a function the grader calls (for
another exercise, say) replaces the one written for the assignment, and every test then grades the later
one. The worker's cells driver reports, as plain data, which cells (re)defined each function; what it sends
is untrusted, so only cells the notebook has and names the grader calls are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.grading.notebooks import Positions
from grader.results import Failure
from grader.sandbox.client import Reply
from grader.text import N_, text


def redefined(load: Reply, names: Sequence[str], positions: Positions) -> dict[str, tuple[int, ...]]:
    """Returns, for each of `names` that the notebook's cells define more than once, the cells that do (checked)."""
    found = load.value.get("defined") if load.ok and isinstance(load.value, dict) else None
    if not isinstance(found, dict):
        return {}
    cells_of: dict[str, tuple[int, ...]] = {}
    for name in names:
        cells = found.get(name)
        if not isinstance(cells, list):
            continue
        kept = tuple(c for c in cells if type(c) is int and positions.has_cell(c))
        if len(kept) > 1:
            cells_of[name] = kept
    return cells_of


def redefinition_note(load: Reply, names: Sequence[str], positions: Positions) -> Failure | None:
    """Returns the note a graded notebook's report gives when a later cell redefines a function the grader
    calls, naming the first such function and its cells; None when no cell does."""
    cells_of = redefined(load, names, positions)
    if not cells_of:
        return None
    name, cells = next(iter(cells_of.items()))
    sentence = text(
        N_(
            "your notebook defines {name} in cell {first} and again in cell {last}: Python keeps the last "
            "definition, so the grader tested the {name} of cell {last}. If that cell is for another exercise, "
            "give its function another name."
        ),
        name=name,
        first=str(cells[0]),
        last=str(cells[-1]),
    )
    return Failure.of("error", sentence, cell=cells[-1])
