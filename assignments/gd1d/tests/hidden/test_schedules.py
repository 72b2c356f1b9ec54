"""Hidden tests of the three learning-rate schedules, each on its own: fixed, time-based decay, gradient-based.

Every case calls the schedule on the course's values and on this submission's own draw beside them, with a base
rate other than 0.01 (a rate hard-coded to the course's 0.01 shows), a gradient of each sign the case is about
(below −5 and between −5 and 0 for negative ones), and the last epoch of a drawn run.
"""

import pytest
from gd1d_helpers import START_GRID

from grader.authoring import N_, expect_close

BASE_RATES = (0.05, 0.1, 0.2, 0.5)
"""Base rates a seeded call draws from: never the course's 0.01."""


def drawn_call(rng, *, epoch, grad):
    """Returns (base_lr, epoch, n_epochs, grad) for this submission: epoch "first", "middle" or "last"."""
    n_epochs = int(rng.integers(20, 500))
    index = {"first": 0, "middle": int(rng.integers(1, n_epochs - 1)), "last": n_epochs - 1}[epoch]
    return (float(rng.choice(BASE_RATES)), index, n_epochs, grad)


def gradient(rng, low, high):
    """Returns f'(x) at a start from the grid whose derivative lies in [low, high)."""
    slopes = 6 * START_GRID - 3
    return round(float(rng.choice(slopes[(slopes >= low) & (slopes < high)])), 6)


def check(submission, reference, name, calls):
    actual = submission.call_each(name, calls)
    expected = [getattr(reference, name)(*call) for call in calls]
    shown = "; ".join(f"{name}{call}" for call in calls)
    expect_close(actual, expected, atol=1e-15, what=N_("the rates of {calls}"), values={"calls": shown})


@pytest.mark.points(3)
@pytest.mark.about("fixed_lr")
@pytest.mark.hint("fixed_lr returns the base learning rate unchanged, whatever the epoch and the gradient.")
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad",
    [
        pytest.param(0.01, 0, 50, 9.0, id="first epoch"),
        pytest.param(0.1, 99, 100, -2.5, id="last epoch, negative gradient"),
    ],
)
def test_fixed_lr(submission, reference, rng, base_lr, epoch, n_epochs, grad):
    drawn = drawn_call(rng, epoch="first" if epoch == 0 else "last", grad=gradient(rng, -15, 9))
    check(submission, reference, "fixed_lr", [(base_lr, epoch, n_epochs, grad), drawn])


TIME_DECAY_HINT = (
    "Time-based decay is base_lr · (1 − (epoch + 1) / n_epochs) with epoch counted from 0: check the + 1 "
    "(the first epoch's rate is already below base_lr) and that the rate shrinks as epochs go by."
)


@pytest.mark.points(2)
@pytest.mark.about("time_decay_lr")
@pytest.mark.hint(TIME_DECAY_HINT)
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad",
    [
        pytest.param(0.1, 0, 10, 5.0, id="first epoch"),
        pytest.param(0.1, 24, 50, -1.0, id="middle epoch"),
    ],
)
def test_time_decay_lr(submission, reference, rng, base_lr, epoch, n_epochs, grad):
    drawn = drawn_call(rng, epoch="first" if epoch == 0 else "middle", grad=gradient(rng, -15, 9))
    check(submission, reference, "time_decay_lr", [(base_lr, epoch, n_epochs, grad), drawn])


@pytest.mark.points(2)
@pytest.mark.about("time_decay_lr")
@pytest.mark.hint(TIME_DECAY_HINT)
def test_time_decay_lr_at_a_seeded_epoch(submission, reference, rng):
    calls = [drawn_call(rng, epoch="middle", grad=gradient(rng, -15, 9)) for _ in range(2)]
    check(submission, reference, "time_decay_lr", calls)


@pytest.mark.points(2)
@pytest.mark.about("time_decay_lr")
@pytest.mark.hint(TIME_DECAY_HINT + " With 50 epochs, epoch 49 is the last one and its rate is exactly 0.")
def test_time_decay_lr_reaches_zero_at_the_last_epoch(submission, reference, rng):
    base_lr, last, n_epochs, grad = drawn_call(rng, epoch="last", grad=0.3)
    calls = [
        (0.1, 48, 50, 0.3),
        (0.1, 49, 50, 0.3),
        (base_lr, last - 1, n_epochs, grad),
        (base_lr, last, n_epochs, grad),
    ]
    check(submission, reference, "time_decay_lr", calls)


GRADIENT_HINT = (
    "The gradient-based rate is base_lr times the size of the gradient: a rate is never negative, so "
    "check what happens when the gradient is negative."
)
SIGNS = {"positive": [(0.5, 9.01)], "negative": [(-15.01, -5), (-5, -0.5)], "last": [(0.5, 9.01)]}


@pytest.mark.points(2)
@pytest.mark.about("gradient_lr")
@pytest.mark.hint(GRADIENT_HINT)
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad, case",
    [
        pytest.param(0.01, 0, 50, 9.0, "positive", id="positive gradient"),
        pytest.param(0.01, 3, 50, -4.5, "negative", id="negative gradient"),
        pytest.param(0.05, 49, 50, 2.0, "last", id="last epoch"),
    ],
)
def test_gradient_lr(submission, reference, rng, base_lr, epoch, n_epochs, grad, case):
    epochs = {"positive": "first", "negative": "middle", "last": "last"}[case]
    drawn = [drawn_call(rng, epoch=epochs, grad=gradient(rng, low, high)) for low, high in SIGNS[case]]
    check(submission, reference, "gradient_lr", [(base_lr, epoch, n_epochs, grad), *drawn])


@pytest.mark.points(2)
@pytest.mark.about("gradient_lr")
@pytest.mark.hint(GRADIENT_HINT)
def test_gradient_lr_left_of_the_minimum(submission, reference, rng):
    calls = [drawn_call(rng, epoch="middle", grad=gradient(rng, low, high)) for low, high in SIGNS["negative"]]
    check(submission, reference, "gradient_lr", calls)
