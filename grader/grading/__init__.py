"""Grading one submission in the trusted process: a pytest session over the hidden tests, the proxy through
which they call the student's worker, scoring, named mistakes and plot data. Nothing here renders."""
