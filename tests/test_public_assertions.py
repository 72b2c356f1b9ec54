"""Issue 22: a public test's NumPy assertion text, which stays English, is explained in the report's language."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.grading.assertions import assertion_text
from grader.i18n import translator

PROJECT = Path(__file__).parent.parent
SLOPE_FROM_THE_BOARD = Path(__file__).parent / "fixtures" / "true_causes" / "gd1d" / "copied_slope_from_the_board.py"


def numpy_message(check) -> str:
    with pytest.raises(AssertionError) as raised:
        check()
    return str(raised.value).strip()


def test_numpy_text_gets_a_lead_in_the_language_and_stays_as_written():
    message = numpy_message(lambda: np.testing.assert_allclose(9.0, 3.0, err_msg="derivative(1.0) should be 3.0"))
    sentence = assertion_text(message)
    english = sentence.render()
    assert english.startswith("NumPy's check found values of yours that differ from the expected ones.")
    assert english.endswith("\n" + message)
    vietnamese = sentence.render(translator("vi").gettext)
    assert vietnamese.startswith("Phép kiểm tra của NumPy thấy giá trị của bạn khác giá trị mong đợi.")
    assert vietnamese.endswith("\n" + message)  # NumPy's own words are never rewritten


def test_a_shape_mismatch_says_shape():
    message = numpy_message(lambda: np.testing.assert_allclose([1.0, 2.0], [1.0, 2.0, 3.0]))
    assert "kích thước (shape) khác" in assertion_text(message).render(translator("vi").gettext)


def test_a_test_s_own_message_is_kept_as_the_sentence():
    assert assertion_text("x should be 2").render() == "x should be 2"
    assert (
        assertion_text("").render(translator("vi").gettext) == "một phép kiểm tra trên các giá trị của bạn không đạt."
    )


def test_grader_check_in_vietnamese_explains_the_public_tests_numpy_text():
    result = CliRunner().invoke(
        cli,
        ["check", str(SLOPE_FROM_THE_BOARD), "-a", str(PROJECT / "assignments" / "gd1d"), "--lang", "vi"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "Phép kiểm tra của NumPy thấy giá trị của bạn khác giá trị mong đợi." in result.output
    assert "ACTUAL là giá trị mã của bạn trả về, DESIRED là giá trị mong đợi." in result.output
    assert "Not equal to tolerance" in result.output and "derivative(1.0) should be 3.0" in result.output
