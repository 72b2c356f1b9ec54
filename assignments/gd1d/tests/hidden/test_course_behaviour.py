"""Hidden tests of what the course shows: lr = 1 diverges, a start at the minimum stays put, lr = 0.001 is
slow, lr = 0.01 converges, and the schedule comparison matches the reference.

These are the assignment's pipeline tests: each runs the student's own functions together, as the course
does, so a mistake in any of them can fail it (the report says so). Each runs the course's start and one of
this submission's own, drawn where the behaviour holds.
"""

import numpy as np
import pytest
from gd1d_helpers import last_epochs, start_far

from grader.authoring import N_, expect, expect_close

pytestmark = pytest.mark.pipeline


def final_x(submission, x0, learning_rate, n_epochs):
    """Returns x after the last epoch (at most n_epochs) of the student's loop with the student's fixed schedule."""
    history = submission.gradient_descent(x0, learning_rate, n_epochs, submission.function("fixed_lr"))
    return last_epochs(history, n_epochs)[-1, 0]


def starts(rng, course, side):
    """Returns the course's start and one of this submission's own on `side` ("left" or "right") of 0.5."""
    return [course, start_far(rng, side)]


@pytest.mark.points(3)
@pytest.mark.hint(
    "At lr = 1 each step overshoots the minimum by more than it corrects, so |x| should explode (about 1e70 "
    "after 100 epochs). Do not clip or stop x; check the update x ← x − lr·f'(x)."
)
@pytest.mark.parametrize("start", ["2.0", "seeded"], ids=["x0=2", "seeded start"])
def test_lr_1_diverges(submission, rng, start):
    x0s = starts(rng, 2.0, "right") if start == "2.0" else [start_far(rng, "left"), start_far(rng, "right")]
    for x0 in x0s:
        x = final_x(submission, x0, 1.0, 100)
        expect(
            abs(x - 0.5) > 1e60,
            expected="|x − 0.5| > 1e60",
            actual=x,
            what=N_("x after 100 epochs at lr = 1 from {x0}"),
            values={"x0": x0},
        )


@pytest.mark.points(2)
@pytest.mark.hint(
    "At lr = 1 x overflows after about 440 epochs: let it become inf and then nan. Use NumPy float64 "
    "(x = np.float64(x0)) so overflow gives inf rather than an error, and do not clip x."
)
def test_lr_1_overflows_to_inf_or_nan(submission, rng):
    for x0 in starts(rng, 2.0, "left"):
        x = final_x(submission, x0, 1.0, 500)
        expect(
            not np.isfinite(x),
            expected=N_("inf or nan"),
            actual=x,
            what=N_("x after 500 epochs at lr = 1 from {x0}"),
            values={"x0": x0},
        )


@pytest.mark.points(2)
@pytest.mark.hint("At x = 0.5 the derivative is 0, so x must stay 0.5 in every row and the derivative 0.")
def test_start_at_the_minimum_stays_there(submission, rng):
    learning_rate, n_epochs = float(rng.choice([0.05, 0.1, 0.2])), int(rng.integers(4, 9))
    history = submission.gradient_descent(0.5, learning_rate, n_epochs, submission.function("fixed_lr"))
    history = last_epochs(history, n_epochs)
    expect_close(
        history[:, :2],
        np.tile([0.5, 0.0], (len(history), 1)),
        atol=1e-15,
        what=N_("x and the derivative (columns 0 and 1) from x0 = 0.5 at lr = {rate}"),
        values={"rate": learning_rate},
    )


@pytest.mark.points(2)
@pytest.mark.hint(
    "At lr = 0.001 x should move toward 0.5 but slowly: after 100 epochs from 2.0 it is still about 1.3. "
    "Check the update and that the rate is not rescaled."
)
def test_lr_0001_is_still_far_after_100_epochs(submission, rng):
    for x0 in starts(rng, 2.0, "right"):
        x = final_x(submission, x0, 0.001, 100)
        expect(
            0.5 * abs(x0 - 0.5) < abs(x - 0.5) < abs(x0 - 0.5),
            expected=N_("closer to 0.5 than the start, but not yet halfway"),
            actual=x,
            what=N_("x after 100 epochs at lr = 0.001 from {x0}"),
            values={"x0": x0},
        )


@pytest.mark.points(2)
@pytest.mark.hint("At lr = 0.001 ten times the epochs (1000) should bring x within 0.01 of 0.5.")
def test_lr_0001_gets_there_in_1000_epochs(submission, rng):
    for x0 in starts(rng, 2.0, "left"):
        x = final_x(submission, x0, 0.001, 1000)
        expect(
            abs(x - 0.5) < 0.01,
            expected="|x − 0.5| < 0.01",
            actual=x,
            what=N_("x after 1000 epochs at lr = 0.001 from {x0}"),
            values={"x0": x0},
        )


@pytest.mark.points(1)
@pytest.mark.hint("At lr = 0.01, 100 epochs should bring x within 0.01 of 0.5 from any start in [-2, 2].")
@pytest.mark.parametrize(
    "start",
    ["-2.0", "2.0", "0.5", "seeded 1", "seeded 2"],
    ids=["x0=-2", "x0=2", "x0=0.5", "seeded start 1", "seeded start 2"],
)
def test_lr_001_reaches_the_minimum(submission, rng, start):
    # Draw every start in each case, so the cases differ even though rng is seeded per test, not per case.
    drawn = [start_far(rng, "left"), start_far(rng, "right"), start_far(rng, "left"), start_far(rng, "right")]
    x0s = [float(start), drawn[0 if float(start) > 0.5 else 1]] if not start.startswith("seeded") else drawn[2:]
    n_epochs = int(rng.integers(100, 130))  # 100 epochs or a few more: this submission's own run
    for x0 in x0s:
        x = final_x(submission, x0, 0.01, n_epochs)
        expect(
            abs(x - 0.5) < 0.01,
            expected="|x − 0.5| < 0.01",
            actual=x,
            what=N_("x after {n_epochs} epochs at lr = 0.01 from {x0}"),
            values={"x0": x0, "n_epochs": n_epochs},
        )


@pytest.mark.points(1)
@pytest.mark.hint(
    "This is the course's schedule comparison (50 epochs from 2.0). If the test of this schedule on its "
    "own passes, look at how the loop calls the schedule and records the rate it returned."
)
@pytest.mark.parametrize(
    "schedule, learning_rate",
    [("fixed_lr", 0.01), ("time_decay_lr", 0.1), ("gradient_lr", 0.01)],
    ids=["fixed from 0.01", "time-based from 0.1", "gradient-based from 0.01"],
)
def test_schedule_comparison_matches_the_reference(submission, reference, rng, schedule, learning_rate):
    # From 2.0, and from a start of this submission's own in [-1, -0.75], where each schedule's first step
    # leaves x still left of 0 (so a run that loses its sign shows whatever the draw).
    for x0 in [2.0, round(float(rng.uniform(-1.0, -0.75)), 4)]:
        history = last_epochs(submission.gradient_descent(x0, learning_rate, 50, submission.function(schedule)), 50)
        expected = reference.gradient_descent(x0, learning_rate, 50, getattr(reference, schedule))[: len(history)]
        # x and the rate used, where the history has a rate column: the derivative column and the layout
        # have tests of their own.
        columns = [0, 2] if history.shape[1] == 3 else [0]
        expect_close(
            history[:, columns],
            expected[:, columns],
            atol=1e-12,
            what=N_("x and the rate used (columns 0 and 2) with {schedule} from {learning_rate}, x0 = {x0}"),
            values={"schedule": schedule, "learning_rate": learning_rate, "x0": x0},
        )
