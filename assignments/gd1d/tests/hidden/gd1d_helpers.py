"""Helpers the gd1d hidden tests share (imported as `from gd1d_helpers import rows`).

The grader puts this folder on the import path only while the hidden tests run, in the trusted process;
a submission never lies here. The name carries the assignment's, so no installed module can shadow it.
"""

import numpy as np

from grader.authoring import N_, expect


def rows(history, n_epochs):
    """Returns the history as a float array with one row per epoch, or fails naming its shape.

    A transposed (3, n) history is read column-wise, so the layout costs only the contract tests' points.
    """
    try:
        array = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.shape == (3, n_epochs) and n_epochs != 3:
        array = array.T
    expect(
        array.shape == (n_epochs, 3),
        expected=N_("an array of shape ({n_epochs}, 3): one row (x, derivative, rate) per epoch"),
        actual=history,
        what=N_("the history gradient_descent returned"),
        values={"n_epochs": n_epochs},
    )
    return array
