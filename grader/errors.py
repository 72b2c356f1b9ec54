"""The grader's own errors: a user's mistake the message names, with the fix."""

from __future__ import annotations


class GraderError(Exception):
    """A problem the user can fix (a wrong path, a bad assignment.toml): never a student's mistake."""

    def __init__(self, problem: str, fix: str):
        super().__init__(f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix
