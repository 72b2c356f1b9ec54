"""`python -m grader.course.catalogs update`: an assignment's catalogs for the languages it declares, and
the engine's only when asked for by --engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course import catalogs
from grader.i18n import catalog_path

TOY = Path(__file__).parent / "fixtures" / "toy"


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the toy assignment; the engine's locale folder moved to an empty one, to see it untouched."""
    shutil.copytree(TOY, tmp_path / "toy")
    monkeypatch.setattr(catalogs, "ENGINE_LOCALE", tmp_path / "engine")
    return tmp_path / "toy"


def _declare(toy: Path, languages: str) -> None:
    config = toy / "assignment.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("seed = 7", f"seed = 7\nlanguages = {languages}"))


def test_an_assignment_in_english_only_gets_its_template_and_no_catalog(toy):
    assert catalogs.main(["update", str(toy)]) == 0
    assert (toy / "locale" / "messages.pot").is_file()
    assert not catalog_path(toy / "locale", "vi").exists()
    assert not (toy.parent / "engine").exists()


def test_a_declared_language_gets_its_catalog_and_the_engine_stays_untouched(toy):
    _declare(toy, '["en", "vi"]')
    assert catalogs.main(["update", str(toy)]) == 0
    assert 'msgid "Toy assignment"' in catalog_path(toy / "locale", "vi").read_text(encoding="utf-8")
    assert not (toy.parent / "engine").exists()


def test_the_engine_has_its_own_invocation(toy):
    assert catalogs.main(["update", "--engine"]) == 0
    assert catalog_path(toy.parent / "engine", "vi").is_file() and not (toy / "locale").exists()


@pytest.mark.parametrize("argv", [[], ["update"], ["update", "--engine", "toy"], ["extract", "toy"]])
def test_a_usage_error_exits_2_with_the_usage(argv, capsys):
    assert catalogs.main(argv) == 2
    assert "update --engine" in capsys.readouterr().err


def test_an_unknown_assignment_is_one_line(capsys):
    assert catalogs.main(["update", "no-such-assignment"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown assignment 'no-such-assignment'")
