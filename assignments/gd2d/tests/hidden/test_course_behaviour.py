"""Hidden tests of what the course shows: at lr = 0.01 for 1000 epochs gradient descent settles in a local minimum,
which one depends on the start and on the learning rate, and random starts from the square follow the
reference's path.

These are the assignment's pipeline tests: each runs the student's own gradient and loop together, as the course
does, so a mistake in either can fail it (the report says so). Each runs a fixed start the course's figure could
show and one of this submission's own.
"""

import numpy as np
import pytest
from gd2d_helpers import MINIMA, closest, grid_points, near, rows

from grader.authoring import N_, expect, expect_close

pytestmark = pytest.mark.pipeline

COURSE_STARTS = {"deepest": (0.5, -0.5), "left": (-0.5, 0.0), "shallow": (-0.1, -0.1)}
"""A start in each minimum's basin: from there lr = 0.01 reaches that minimum well within 1000 epochs. Each path
crosses a negative coordinate and both signs of each partial derivative, so a sign lost anywhere shows from it
whatever this submission's own start is."""
EDGE_STARTS = {"left": (-1.5, 1.5), "right": (1.5, -1.5)}
"""A fixed start in each half of the square, beside this submission's own: from there the path crosses the
landscape to a minimum (the left one, the deepest one)."""


def final_point(submission, start, learning_rate, n_epochs):
    """Returns the point after the last epoch (at most n_epochs) of the student's run."""
    return path(submission, start, learning_rate, n_epochs)[-1]


def path(submission, start, learning_rate, n_epochs):
    """Returns the points (x, y) after each epoch of the student's run, at most n_epochs of them."""
    return rows(submission.gradient_descent_2d(start, learning_rate, n_epochs), n_epochs)[:, :2]


def expect_the_reference_path(submission, reference, start, learning_rate):
    """Fails unless the student's 1000 epochs from start follow the reference's, point by point.

    The rows may run one epoch behind (the point recorded before each update): the path is the same, and the
    loop's own tests say what the rows should hold.
    """
    actual = path(submission, start, learning_rate, 1000)
    expected = reference.gradient_descent_2d(start, learning_rate, 1000)[:, :2]
    one_behind = np.concatenate([np.asarray([start], dtype=np.float64), expected[:-1]])
    candidates = [lambda: expected[: len(actual)], lambda: one_behind[: len(actual)]]
    expect_close(
        actual,
        closest(actual, candidates, atol=1e-6),
        atol=1e-6,
        what=N_("the point after each of 1000 epochs at lr = {rate} from {start}"),
        values={"start": start, "rate": learning_rate},
    )


@pytest.mark.points(5)
@pytest.mark.hint(
    "At lr = 0.01, 1000 epochs from a start near a local minimum should end at that minimum, within 0.001, "
    "along the reference's path. If the run ends elsewhere, check the gradient (both partials, in order) and the "
    "sign of the update."
)
@pytest.mark.parametrize("minimum", list(MINIMA), ids=[f"the {name} minimum" for name in MINIMA])
def test_lr_001_settles_in_the_nearest_local_minimum(submission, reference, rng, minimum):
    target = np.asarray(MINIMA[minimum])
    for start in (COURSE_STARTS[minimum], near(rng, MINIMA[minimum], 0.5)):
        end = final_point(submission, start, 0.01, 1000)
        expect(
            bool(np.all(np.isfinite(end))) and float(np.linalg.norm(end - target)) < 1e-3,
            expected=N_("within 0.001 of the minimum at {minimum}"),
            actual=end,
            what=N_("the point after 1000 epochs at lr = 0.01 from {start}"),
            values={"start": start, "minimum": tuple(round(float(v), 4) for v in target)},
        )
        expect_the_reference_path(submission, reference, start, 0.01)


@pytest.mark.points(4)
@pytest.mark.hint(
    "From (1, -0.25) lr = 0.01 settles in the shallow minimum near (0.296, 0.320) but lr = 0.05 jumps past it to "
    "the deepest one near (0.228, -1.626): the learning rate decides the minimum too. Compare your first steps "
    "with the reference."
)
def test_the_learning_rate_decides_the_minimum(submission, reference, rng):
    seeded = (round(float(rng.uniform(0.9, 1.1)), 4), round(float(rng.uniform(-0.4, -0.1)), 4))
    for start in ((1.0, -0.25), seeded):
        for learning_rate in (0.01, 0.05):
            expect_the_reference_path(submission, reference, start, learning_rate)


@pytest.mark.points(4)
@pytest.mark.hint(
    "This is the course's run: lr = 0.01 for 1000 epochs from a random start in [-2, 2]². If the tests of the "
    "gradient and of the loop pass, compare your path with the reference's epoch by epoch."
)
@pytest.mark.parametrize("half", ["left", "right"], ids=["start in the left half", "start in the right half"])
def test_course_run_from_random_starts_follows_the_reference(submission, reference, rng, half):
    starts = [point for point in grid_points(rng, 2) if (point[0] < 0) == (half == "left")]
    for start in (EDGE_STARTS[half], *starts):
        expect_the_reference_path(submission, reference, start, 0.01)
