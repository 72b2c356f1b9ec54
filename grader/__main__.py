"""Runs the grader CLI as `python -m grader`."""

from grader.cli import main

main()
