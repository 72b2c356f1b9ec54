"""The trust boundary: everything that starts, limits, talks to and kills a submission's worker.

The only package that starts, limits, talks to and kills processes. A worker gets a private working
directory holding a copy of the one submission file, a scrubbed environment, resource limits, and a
session of its own so that it and everything it started can be killed together. Replies come back over
a socket of their own, as plain data; what the student's code prints is captured apart, up to a cap.
How a worker process is started is a parameter (a launcher), so tests and benchmarks can swap it.

Modules: `protocol` (the plain data that crosses), `inside` and `cells` (run in the worker, the only
modules that touch student code: `cells` runs a converted notebook's cells), `client` (the trusted side's
Worker), `launchers` (how workers start), `isolation` (how strongly they are confined), `limits` and
`processes`. This file imports nothing, so the worker loads only what it uses.
"""
