"""The trusted pytest session: hidden tests may share helper modules, and nothing of them outlives it."""

from __future__ import annotations

import importlib
import sys

import pytest

from grader.grading.session import helpers_importable


def test_hidden_tests_import_helpers_beside_them_only_while_their_session_runs(tmp_path):
    (tmp_path / "course_helpers_for_session_test.py").write_text("ANSWER = 42\n")
    before = list(sys.path)
    with helpers_importable(tmp_path):
        assert importlib.import_module("course_helpers_for_session_test").ANSWER == 42
    assert "course_helpers_for_session_test" not in sys.modules
    assert sys.path == before
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("course_helpers_for_session_test")


def test_two_assignments_helpers_of_the_same_name_do_not_mix(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, value in ((first, "a"), (second, "b")):
        folder.mkdir()
        (folder / "same_named_helpers.py").write_text(f"WHICH = {value!r}\n")
    with helpers_importable(first):
        assert importlib.import_module("same_named_helpers").WHICH == "a"
    with helpers_importable(second):
        assert importlib.import_module("same_named_helpers").WHICH == "b"
