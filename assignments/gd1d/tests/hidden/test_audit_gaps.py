"""Hidden tests for holes `grader audit` found: changes to the reference that every other hidden test let through.

Each test names, in its comment, the mutant it catches (as `grader audit` prints it), so the next audit
can be read against it. Like every hidden test, each is about one thing: the student's run is compared
with the student's own run where it can be, so a mistake elsewhere costs nothing here.
"""

import pytest
from gd1d_helpers import rows

from grader.authoring import N_, expect_close


# Catches gradient_descent:call:d4e60087, `np.float64(x0)` → `x0`: from an int start with an int rate every
# value stays a Python int, which never overflows, until storing one too large in the float64 history raises.
@pytest.mark.points(1)
@pytest.mark.hint(
    "x0 and the learning rate may be ints. With x0 = 2 and lr = 1 the run must diverge exactly as with 2.0 and "
    "1.0, to inf and then nan, not raise an error: start from x = np.float64(x0) so the arithmetic is NumPy's."
)
def test_int_start_and_int_rate_diverge_like_floats(submission):
    fixed_lr = submission.function("fixed_lr")
    from_ints = rows(submission.gradient_descent(2, 1, 500, fixed_lr), 500)
    from_floats = rows(submission.gradient_descent(2.0, 1.0, 500, fixed_lr), 500)
    expect_close(from_ints, from_floats, what=N_("the history from x0 = 2, lr = 1 (ints), against 2.0 and 1.0"))
