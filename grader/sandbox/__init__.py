"""Returns replies from a submission held in a separate, limited worker process.

The only package that starts, limits, talks to and kills processes. A worker gets a private working
directory holding a copy of the one submission file, a scrubbed environment, resource limits, and a
session of its own so that it and everything it started can be killed together. Replies come back over
a socket of their own, as plain data; what the student's code prints is captured apart, up to a cap.
How a worker process is started is a parameter (a launcher), so tests and benchmarks can swap it.
"""

from grader.sandbox.launchers import ForkServerLauncher, Launcher, SpawnLauncher
from grader.sandbox.limits import Limits
from grader.sandbox.worker import Reply, Worker

__all__ = ["ForkServerLauncher", "Launcher", "Limits", "Reply", "SpawnLauncher", "Worker"]
