"""Returns a new assignment's skeleton, written: the fewest files `grader validate` finds ready, for an
author to grow (`grader new NAME`).

It holds one function to write, `scale(x, factor)`: its reference, a starter stub raising
NotImplementedError, a public test with the conftest that lets students run it with plain pytest, one hidden
test with points and a hint, the student README and an assignment.toml with the required keys, a seed and a
secret of its own, in English only. The author renames the function and grows the tests from there.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from string import Template

from grader.errors import GraderError
from grader.files import write_atomically

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""A new assignment's name: a folder and the stem of its submission file, so a Python module's name."""

CONFIG = """\
[assignment]
title = "$title"
submission = "$name.py"       # the one file a student submits
points = 10                   # the sum of the hidden tests' points
seed = $seed
secret = "$secret"   # mixes into every submission's inputs; never released
languages = ["en"]            # add "vi" with its catalog: python -m grader.course.catalogs update $name

[limits]
call_seconds = 2
total_seconds = 30
memory_mb = 512
output_kb = 64
"""

REFERENCE = '''\
"""The answer key of $name: never shipped to students."""


def scale(x, factor):
    """Returns x multiplied by factor."""
    return x * factor
'''

STARTER = '''\
"""$title: write the function below, then check it with `grader check $name.py`."""


def scale(x, factor):
    """Returns x multiplied by factor."""
    raise NotImplementedError("write scale")
'''

CONFTEST = '''\
"""Lets `pytest tests/public` run on your own machine: the `submission` fixture imports your $name.py.

It looks for the file named by the environment variable GRADER_SUBMISSION, else $name.py in the folder
you run pytest from, else $name.py next to the tests folder. (The grader ignores this file.)
"""

import importlib.util
import os
from pathlib import Path

import pytest

SUBMISSION_FILE = "$name.py"


def pytest_configure(config):
    config.addinivalue_line("markers", "hint(text): what to check when the test fails")
    config.addinivalue_line("markers", "points(n): points the test is worth when the grader runs it")


@pytest.fixture(scope="session")
def submission():
    """Returns your $name.py, imported from the first place it is found."""
    here = Path(__file__).resolve().parent
    tried = [Path.cwd() / SUBMISSION_FILE, here.parent.parent / SUBMISSION_FILE, here.parent / SUBMISSION_FILE]
    if os.environ.get("GRADER_SUBMISSION"):
        tried = [Path(os.environ["GRADER_SUBMISSION"])]
    path = next((p for p in tried if p.is_file()), None)
    if path is None:
        pytest.fail(f"could not find {SUBMISSION_FILE}; looked at: {', '.join(map(str, tried))}", pytrace=False)
    spec = importlib.util.spec_from_file_location("submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
'''

PUBLIC_TEST = '''\
"""Public tests: a first check on the worked example of the instructions (the hidden tests check more)."""

import pytest


@pytest.mark.hint("Return the product of the two arguments: scale(2.0, 3.0) is 6.0.")
def test_scale_on_the_worked_example(submission):
    assert submission.scale(2.0, 3.0) == pytest.approx(6.0), "scale(2.0, 3.0) should be 6.0"
'''

HIDDEN_TEST = '''\
"""Hidden tests: each judges one function against the reference, on a fixed input and inputs drawn for
each submission (see docs/authoring.md)."""

import pytest

from grader.authoring import expect_close

pytestmark = pytest.mark.about("scale")


@pytest.mark.points(10)
@pytest.mark.hint("Multiply x by factor, whatever their signs, and return the product.")
def test_scale_matches_the_reference(submission, reference, rng):
    # The worked example, then one draw from each half of the range: both signs, whatever the seed.
    for x in (2.0, float(rng.uniform(-10.0, 0.0)), float(rng.uniform(0.0, 10.0))):
        expect_close(submission.scale(x, 3.0), reference.scale(x, 3.0))
'''

README = """\
# $title

Write the function in `$name.py` (copy it from the starter):

- `scale(x, factor)` returns `x` multiplied by `factor`; `scale(2.0, 3.0)` is `6.0`.

Check your work with the public tests, either way:

```bash
grader check $name.py      # explains every failure, exit 0 when all pass
pytest tests/public        # plain pytest, with $name.py in the current folder
```

Your grade comes from hidden tests that compare your function with a reference solution on more inputs.
"""

FILES = {
    "assignment.toml": CONFIG,
    "README.md": README,
    "starter/$name.py": STARTER,
    "tests/public/conftest.py": CONFTEST,
    "tests/public/test_${name}_public.py": PUBLIC_TEST,
    "tests/hidden/test_${name}_hidden.py": HIDDEN_TEST,
}
"""The assignment folder's files, by their path in it (a template too)."""


@dataclass(frozen=True)
class Skeleton:
    """What `write_skeleton` wrote."""

    assignment: Path
    """assignments/NAME."""
    reference: Path
    """reference/NAME."""
    files: tuple[Path, ...]
    """Every file written, the reference's last."""


def write_skeleton(name: str, home: Path) -> Skeleton:
    """Returns the skeleton of the assignment `name`, written under `home` (the assignments folder) and
    the reference folder beside it; raises GraderError for a name that is no module name, or when either
    folder exists (nothing is written then)."""
    if not NAME.fullmatch(name):
        raise GraderError(
            f"{name!r} cannot name an assignment: it names a folder and the submission file {name}.py",
            "use lower-case letters, digits and _ (a Python module's name), starting with a letter",
        )
    assignment, reference = home / name, home.parent / "reference" / name
    for folder in (assignment, reference):
        if folder.exists():
            raise GraderError(f"{folder} already exists; nothing was written", "choose another name, or edit it")
    values = {
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "seed": str(1 + secrets.randbelow(2**31 - 1)),
        "secret": secrets.token_hex(16),
    }
    planned = [(assignment / Template(relative).substitute(values), text) for relative, text in FILES.items()]
    written = []
    for path, template in [*planned, (reference / f"{name}.py", REFERENCE)]:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, Template(template).substitute(values))
        written.append(path)
    return Skeleton(assignment, reference, tuple(written))
