"""gd1d's named mistakes as models: mutants of the reference, one or more per mistake in diagnoses.py.

Each function is the reference function named by `replaces`, written with the mistake in one of the ways
students make it. Spliced into the reference in place of that function, it is a model of the mistake:
grading names the mistake on a failed test only when a model reproduces the student's values for that
test's calls, and `grader audit` grades each model like a submission and expects it to lose points and to
be given the mistake's name. Students never run or see this file (`grader release` never ships it).

EQUIVALENT lists generated mutants (by the id `grader audit` prints) that no value can tell apart from
the reference, with the reason; the audit already proves most of them equivalent by comparing values.
"""

# ruff: noqa: F821 - np, derivative and fixed_lr are the reference's names: this code only ever runs there

from grader.authoring import mutant

EQUIVALENT: dict[str, str] = {}


# -- the update and the history ------------------------------------------------------------------------


@mutant("uphill_update", replaces="gradient_descent", description="the update adds the step: x + lr·grad")
def uphill_update(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x + lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant("x_recorded_before_update", replaces="gradient_descent", description="each row is stored before the update")
def x_recorded_before_update(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            history[epoch] = (x, grad, lr)
            x = x - lr * grad
    return history


@mutant("x_clipped", replaces="gradient_descent", description="x is clipped to ±1e6 so that nothing blows up")
def x_clipped(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = np.clip(x - lr * grad, -1e6, 1e6)
            history[epoch] = (x, grad, lr)
    return history


@mutant("transposed_history", replaces="gradient_descent", description="the history comes back as (3, n_epochs)")
def transposed_history(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history.T.copy()


@mutant("history_wrong_shape", replaces="gradient_descent", description="only the column of x comes back")
def history_wrong_shape(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history[:, 0].copy()


@mutant("history_wrong_shape", replaces="gradient_descent", description="the rows come back flattened into one line")
def history_flattened(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history.ravel()


@mutant("history_wrong_shape", replaces="gradient_descent", description="each row holds (x, grad): no rate column")
def history_without_rate_column(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 2), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad)
    return history


@mutant("history_float32", replaces="gradient_descent", description="the history is np.zeros(..., dtype=np.float32)")
def history_float32(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float32)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


# -- the derivative -------------------------------------------------------------------------------------


@mutant("derivative_missing_power_factor", replaces="derivative", description="f'(x) = 3x − 3")
def derivative_missing_power_factor(x):
    return 3 * x - 3


@mutant("derivative_wrong_constant", replaces="derivative", description="f'(x) = 6x + 3")
def derivative_wrong_constant(x):
    return 6 * x + 3


@mutant("derivative_wrong_constant", replaces="derivative", description="f'(x) = 6x: the constant term dropped")
def derivative_constant_dropped(x):
    return 6 * x


# -- the schedules --------------------------------------------------------------------------------------


@mutant("time_decay_off_by_one", replaces="time_decay_lr", description="base_lr · (1 − epoch / n_epochs)")
def time_decay_off_by_one(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - epoch / n_epochs)


@mutant("time_decay_off_by_one", replaces="time_decay_lr", description="base_lr · (1 − (epoch + 2) / n_epochs)")
def time_decay_two_ahead(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - (epoch + 2) / n_epochs)


@mutant("time_decay_grows", replaces="time_decay_lr", description="base_lr · (epoch + 1) / n_epochs")
def time_decay_grows(base_lr, epoch, n_epochs, grad):
    return base_lr * (epoch + 1) / n_epochs


@mutant("gradient_lr_without_abs", replaces="gradient_lr", description="base_lr · grad, no absolute value")
def gradient_lr_without_abs(base_lr, epoch, n_epochs, grad):
    return base_lr * grad


@mutant("gradient_lr_ignores_base_rate", replaces="gradient_lr", description="|grad| / 100: base_lr written in as 0.01")
def gradient_lr_ignores_base_rate(base_lr, epoch, n_epochs, grad):
    return abs(grad) / 100


# -- how the loop uses its schedule -----------------------------------------------------------------------


@mutant("loop_ignores_schedule", replaces="gradient_descent", description="lr = learning_rate: no schedule call")
def loop_ignores_schedule(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = learning_rate
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant("loop_passes_wrong_epoch", replaces="gradient_descent", description="the schedule gets epochs counted from 1")
def loop_passes_wrong_epoch(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch + 1, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant("loop_passes_wrong_epoch_count", replaces="gradient_descent", description="the schedule gets the epochs left")
def loop_passes_wrong_epoch_count(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs - epoch, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant(
    "schedule_called_twice",
    replaces="gradient_descent",
    description="the rate is checked with one call, used from another",
)
def schedule_called_twice(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            if schedule(learning_rate, epoch, n_epochs, grad) < 0:
                raise ValueError("the learning rate must not be negative")
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant(
    "schedule_called_twice",
    replaces="gradient_descent",
    description="the update calls the schedule, and the row calls it again",
)
def schedule_called_again_for_the_row(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            x = x - schedule(learning_rate, epoch, n_epochs, grad) * grad
            history[epoch] = (x, grad, schedule(learning_rate, epoch, n_epochs, grad))
    return history


@mutant(
    "loop_runs_wrong_number_of_epochs",
    replaces="gradient_descent",
    description="range(n_epochs + 1), rows appended: n_epochs + 1 rows",
)
def loop_runs_one_epoch_too_many(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    rows = []
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs + 1):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            rows.append((x, grad, lr))
    return np.array(rows, dtype=np.float64)


@mutant(
    "loop_runs_wrong_number_of_epochs",
    replaces="gradient_descent",
    description="range(n_epochs - 1) into np.zeros((n_epochs, 3)): the last row stays zero",
)
def loop_runs_one_epoch_too_few(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs - 1):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant(
    "loop_runs_wrong_number_of_epochs",
    replaces="gradient_descent",
    description="range(n_epochs - 1), rows appended: n_epochs - 1 rows",
)
def loop_runs_one_epoch_too_few_appending(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    rows = []
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs - 1):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            rows.append((x, grad, lr))
    return np.array(rows, dtype=np.float64)


@mutant("lr_column_holds_base_rate", replaces="gradient_descent", description="the rate column records learning_rate")
def lr_column_holds_base_rate(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, learning_rate)
    return history


@mutant(
    "derivative_recorded_after_update",
    replaces="gradient_descent",
    description="the derivative column holds f'(x) taken after the update",
)
def derivative_recorded_after_update(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, derivative(x), lr)
    return history


@mutant("loop_stops_early", replaces="gradient_descent", description="the loop breaks once |f'(x)| < 0.1")
def loop_stops_early(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            if abs(grad) < 0.1:
                break
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant("loop_stops_early", replaces="gradient_descent", description="the loop breaks once x moves less than 1e-7")
def loop_stops_when_x_stops_moving(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x_new = x - lr * grad
            history[epoch] = (x_new, grad, lr)
            if abs(x_new - x) < 1e-7:
                break
            x = x_new
    return history


@mutant("loop_stops_early", replaces="gradient_descent", description="the loop breaks once |f'(x)| < 1e-6")
def loop_stops_when_the_derivative_vanishes(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            if abs(grad) < 1e-6:
                break
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant(
    "loop_stops_early",
    replaces="gradient_descent",
    description="rows are appended and the loop breaks once |f'(x)| < 1e-6: the history comes back short",
)
def loop_stops_and_returns_the_rows_so_far(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    rows = []
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            if abs(grad) < 1e-6:
                break
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            rows.append((x, grad, lr))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


@mutant(
    "loop_stops_early",
    replaces="gradient_descent",
    description="rows are appended and the loop breaks once |f'(x)| < 1e-3, a common student's threshold",
)
def loop_stops_at_a_coarse_threshold(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    rows = []
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            if abs(grad) < 1e-3:
                break
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            rows.append((x, grad, lr))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


@mutant("one_element_arrays", replaces="gradient_descent", description="x is kept as a 1-element array")
def one_element_arrays(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.array([x0], dtype=np.float64)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x, grad, lr)
    return history


@mutant(
    "one_element_arrays",
    replaces="gradient_descent",
    description="x is a 1-element array; the rows take x[0] and grad[0], the schedule gets the array",
)
def one_element_grad_for_the_schedule(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.array([x0], dtype=np.float64)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            x = x - lr * grad
            history[epoch] = (x[0], grad[0], lr)
    return history


@mutant("schedule_returns_array", replaces="time_decay_lr", description="returns the rates of every epoch at once")
def schedule_returns_array(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - np.arange(1, n_epochs + 1) / n_epochs)
