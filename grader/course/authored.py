"""Returns the mutants an assignment's author wrote (models of its named mistakes) and the generated ones they
call equivalent, as the audit grades them.

They live in assignments/NAME/mutants.py (read by grader.grading.models, which grading also uses to prove
names): each mutant is a function decorated with `grader.authoring.mutant`, written as the reference
function it replaces would be with the mistake made. A mistake may have several (a model for each way
students make it); a module-level dict EQUIVALENT maps generated mutants' ids to the reason they cannot
change any value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment
from grader.course.mutation import Mutant
from grader.grading.models import MUTANTS_NAME, read_mutants

OPERATOR = "named mistake"


@dataclass(frozen=True)
class Authored:
    """What mutants.py says: the author's mutants, and generated mutants' ids called equivalent, with why."""

    mutants: tuple[Mutant, ...] = ()
    equivalent: dict[str, str] = field(default_factory=dict)


def mutants_file(assignment: Assignment) -> Path:
    """Returns where the assignment's author mutants are kept (the file may not exist)."""
    return assignment.root / MUTANTS_NAME


def read_authored(assignment: Assignment, reference: str) -> Authored:
    """Returns the author's mutants (one id per decorated function) and equivalence list; nothing without the file."""
    read = read_mutants(mutants_file(assignment), reference)
    mutants = tuple(
        Mutant(m.name, m.replaces, OPERATOR, m.description, m.source, mistake=m.mistake) for m in read.models
    )
    return Authored(mutants, read.equivalent)
