"""Hidden tests for holes `grader audit` found: changes to the reference that every other hidden test let through.

Each test names, in its comment, the mutant it catches (as `grader audit` prints it), so the next audit
can be read against it. Like every hidden test, each is about one thing: the student's run is compared
with the student's own run where it can be, so a mistake elsewhere costs nothing here.
"""

import pytest
from gd1d_helpers import loop_run, rows

from grader.authoring import N_, describe_last_call, expect_close

STAND_IN = N_("the grader's schedule")


# Catches gradient_descent:call:d4e60087, `np.float64(x0)` → `x0`: from an int start with an int rate every
# value stays a Python int, which never overflows, until storing one too large in the float64 history raises.
@pytest.mark.points(1)
@pytest.mark.about("gradient_descent")
@pytest.mark.hint(
    "x0 and the learning rate may be ints. With x0 = 2 and lr = 1 the run must diverge exactly as with 2.0 and "
    "1.0, to inf and then nan, not raise an error: start from x = np.float64(x0) so the arithmetic is NumPy's."
)
def test_int_start_and_int_rate_diverge_like_floats(submission, rng):
    x0 = int(rng.choice([-2, -1, 2]))
    # Int rates of this submission's own, 1 or 2 in each epoch: a run that no other report shows.
    scheduled = [int(rate) for rate in rng.choice([1, 2], size=500, p=[0.9, 0.1])]
    parts = [("derivative", (x0,))]
    from_ints = loop_run(submission, parts, x0, 1, 500, submission.scripted(scheduled, name=STAND_IN))
    ints_call = describe_last_call()  # the call a difference shows: the int run's, not the float run after it
    floats = submission.scripted([float(rate) for rate in scheduled], name=STAND_IN)
    from_floats = loop_run(submission, parts, float(x0), 1.0, 500, floats)
    if from_ints is None or from_floats is None:
        return
    from_floats = rows(from_floats, 500)
    if from_floats.shape[1] == 3:  # this submission's own run: it used the rates it was given
        expect_close(from_floats[:, 2], scheduled, what=N_("the learning rate column (column 2)"))
    expect_close(
        rows(from_ints, 500),
        from_floats,
        what=N_("the history from x0 = {x0}, lr = 1 (ints)"),
        values={"x0": x0},
        against=N_("your own run from x0 = {x0}.0, lr = 1.0"),
        call=ints_call,
    )
