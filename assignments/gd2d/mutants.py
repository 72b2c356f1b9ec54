"""gd2d's named mistakes as models: mutants of the reference, one or more per mistake in diagnoses.py.

Each function is the reference function named by `replaces`, written with the mistake in one of the ways
students make it. Spliced into the reference in place of that function, it is a model of the mistake:
grading names the mistake on a failed test only when a model reproduces the student's values for that
test's calls, and `grader audit` grades each model like a submission and expects it to lose points and to
be given the mistake's name. Students never run or see this file (`grader release` never ships it).

EQUIVALENT lists generated mutants (by the id `grader audit` prints) that no value can tell apart from
the reference, with the reason; the audit already proves most of them equivalent by comparing values.
"""

# ruff: noqa: F821 - np and gradient are the reference's names: this code only ever runs there

from grader.authoring import mutant

EQUIVALENT: dict[str, str] = {}


# -- peaks ------------------------------------------------------------------------------------------------------


@mutant("meshgrid_peaks", replaces="peaks", description="the course's peaks: a meshgrid of x and y inside")
def meshgrid_peaks(x, y):
    x, y = np.meshgrid(x, y)
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - np.exp(-((x + 1) ** 2) - y**2) / 3
    )


# -- the gradient -----------------------------------------------------------------------------------------------


@mutant("swapped_partials", replaces="gradient", description="returns [∂f/∂y, ∂f/∂x]")
def swapped_partials(x, y):
    a = np.exp(-(x**2) - (y + 1) ** 2)
    b = np.exp(-(x**2) - y**2)
    c = np.exp(-((x + 1) ** 2) - y**2)
    inner = x / 5 - x**3 - y**5
    dfdx = (
        -6 * (1 - x) * a
        - 6 * x * (1 - x) ** 2 * a
        - 10 * (1 / 5 - 3 * x**2) * b
        + 20 * x * inner * b
        + 2 * (x + 1) * c / 3
    )
    dfdy = -6 * (1 - x) ** 2 * (y + 1) * a + 50 * y**4 * b + 20 * y * inner * b + 2 * y * c / 3
    return np.array([dfdy, dfdx], dtype=np.float64)


@mutant(
    "partial_sign_error",
    replaces="gradient",
    description="∂f/∂x: the last term's sign lost, −(2/3)(x + 1)e^(...): the chain rule's minus dropped",
)
def partial_x_sign_error(x, y):
    a = np.exp(-(x**2) - (y + 1) ** 2)
    b = np.exp(-(x**2) - y**2)
    c = np.exp(-((x + 1) ** 2) - y**2)
    inner = x / 5 - x**3 - y**5
    dfdx = (
        -6 * (1 - x) * a
        - 6 * x * (1 - x) ** 2 * a
        - 10 * (1 / 5 - 3 * x**2) * b
        + 20 * x * inner * b
        - 2 * (x + 1) * c / 3
    )
    dfdy = -6 * (1 - x) ** 2 * (y + 1) * a + 50 * y**4 * b + 20 * y * inner * b + 2 * y * c / 3
    return np.array([dfdx, dfdy], dtype=np.float64)


@mutant(
    "partial_sign_error",
    replaces="gradient",
    description="∂f/∂y: the exponent's −2y brought down as +2y in the middle term, −20y(x/5 − x³ − y⁵)e^(...)",
)
def partial_y_sign_error(x, y):
    a = np.exp(-(x**2) - (y + 1) ** 2)
    b = np.exp(-(x**2) - y**2)
    c = np.exp(-((x + 1) ** 2) - y**2)
    inner = x / 5 - x**3 - y**5
    dfdx = (
        -6 * (1 - x) * a
        - 6 * x * (1 - x) ** 2 * a
        - 10 * (1 / 5 - 3 * x**2) * b
        + 20 * x * inner * b
        + 2 * (x + 1) * c / 3
    )
    dfdy = -6 * (1 - x) ** 2 * (y + 1) * a + 50 * y**4 * b - 20 * y * inner * b + 2 * y * c / 3
    return np.array([dfdx, dfdy], dtype=np.float64)


# -- the loop ---------------------------------------------------------------------------------------------------


@mutant(
    "point_recorded_before_update",
    replaces="gradient_descent_2d",
    description="each row is stored before the update",
)
def point_recorded_before_update(start, learning_rate, n_epochs):
    point = np.array(start, dtype=np.float64)  # a copy: the caller's start is left as it was
    history = np.zeros((n_epochs, 4), dtype=np.float64)
    for epoch in range(n_epochs):
        grad = gradient(point[0], point[1])
        history[epoch] = (point[0], point[1], grad[0], grad[1])
        point = point - learning_rate * grad
    return history


@mutant(
    "sequential_update",
    replaces="gradient_descent_2d",
    description="x moves first, and y's partial is taken at the new x",
)
def sequential_update(start, learning_rate, n_epochs):
    point = np.array(start, dtype=np.float64)  # a copy: the caller's start is left as it was
    history = np.zeros((n_epochs, 4), dtype=np.float64)
    for epoch in range(n_epochs):
        dfdx = gradient(point[0], point[1])[0]
        point[0] = point[0] - learning_rate * dfdx
        dfdy = gradient(point[0], point[1])[1]
        point[1] = point[1] - learning_rate * dfdy
        history[epoch] = (point[0], point[1], dfdx, dfdy)
    return history


@mutant(
    "sequential_update",
    replaces="gradient_descent_2d",
    description="x = x − lr·gradient(x, y)[0], then y = y − lr·gradient(x, y)[1] with the new x",
)
def sequential_update_in_two_lines(start, learning_rate, n_epochs):
    x, y = float(start[0]), float(start[1])
    history = np.zeros((n_epochs, 4), dtype=np.float64)
    for epoch in range(n_epochs):
        grad = gradient(x, y)
        x = x - learning_rate * gradient(x, y)[0]
        y = y - learning_rate * gradient(x, y)[1]
        history[epoch] = (x, y, grad[0], grad[1])
    return history


@mutant("uphill_update", replaces="gradient_descent_2d", description="the update adds the step: p + lr·∇f(p)")
def uphill_update(start, learning_rate, n_epochs):
    point = np.array(start, dtype=np.float64)  # a copy: the caller's start is left as it was
    history = np.zeros((n_epochs, 4), dtype=np.float64)
    for epoch in range(n_epochs):
        grad = gradient(point[0], point[1])
        point = point + learning_rate * grad
        history[epoch] = (point[0], point[1], grad[0], grad[1])
    return history


@mutant(
    "history_points_only",
    replaces="gradient_descent_2d",
    description="the course's trajectory: np.zeros((n_epochs, 2)) holding the points alone",
)
def history_points_only(start, learning_rate, n_epochs):
    point = np.array(start, dtype=np.float64)  # a copy: the caller's start is left as it was
    history = np.zeros((n_epochs, 2), dtype=np.float64)
    for epoch in range(n_epochs):
        grad = gradient(point[0], point[1])
        point = point - learning_rate * grad
        history[epoch] = point
    return history
