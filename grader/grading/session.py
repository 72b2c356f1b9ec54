"""Returns pytest's exit code for a quiet, isolated session over an assignment's tests, driven by a plugin.

Grading and catalog extraction both run pytest in the trusted process over an assignment's test folder;
this is the one place that decides how: no plugins but the caller's, no conftest, no cache, nothing
printed, and the test folder's own helper modules importable only while the session runs.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

UNUSED_PYTEST_PLUGINS = (
    "cacheprovider", "stepwise", "terminal", "unraisableexception", "threadexception", "logging", "capture",
    "warnings", "faulthandler", "junitxml", "doctest", "pastebin", "debugging", "setuponly", "setupplan",
)  # fmt: skip
"""Plugins a grading session has no use for; each costs time on every test of every submission
(unraisableexception and threadexception collect garbage after each test: 0.1 s a submission)."""


def run_pytest(tests: Path, plugin: object, *extra_args: str) -> int:
    """Returns pytest's exit code for a session over `tests` with `plugin` as its only plugin."""
    args = [
        str(tests),
        *(f"-pno:{name}" for name in UNUSED_PYTEST_PLUGINS),
        # --noconftest: a conftest.py is code pytest would run; only test modules and their helpers load.
        "--noconftest", "--assert=plain", "--import-mode=importlib",
        "-c", os.devnull, "--rootdir", str(tests), "--strict-markers",
        "-W", "ignore::DeprecationWarning",
        *extra_args,
    ]  # fmt: skip
    sink = io.StringIO()
    with (
        _plugins_autoload_disabled(),
        helpers_importable(tests),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        return int(pytest.main(args, plugins=[plugin]))


@contextlib.contextmanager
def helpers_importable(tests: Path) -> Iterator[None]:
    """Lets the test files under `tests` import the helper modules beside them, for one session.

    Only the assignment's own test folder goes on sys.path, and only while its session runs; the
    submissions are never in it (they are loaded in their workers, never here). On the way out every
    module imported from the folder is forgotten: with --import-mode=importlib a test file is named
    after its path below the rootdir, so two assignments' tests/public/test_public.py are both
    "test_public", and a later session in the same process would reuse the first one's module.
    """
    folder = str(tests.resolve())
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(folder):
                del sys.modules[name]


@contextlib.contextmanager
def _plugins_autoload_disabled() -> Iterator[None]:
    """Keeps plugins installed beside the grader (random order, timeouts...) out of the graded run."""
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
