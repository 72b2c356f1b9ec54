"""The `grader` command: parses arguments, calls the library, prints. Nothing is decided here.

`app` holds the command group and its one error boundary; each other module registers the commands of
one subject: a submission, a class, an assignment.
"""

from grader.cli import classroom, course, submission  # noqa: F401 - importing them registers their commands
from grader.cli.app import cli, main

__all__ = ["cli", "main"]
