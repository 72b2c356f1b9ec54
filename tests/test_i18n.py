"""Reports in Vietnamese: every message of the engine has a real translation, and reports use it.

The engine's own texts are checked here, on the toy assignment (with its one named mistake, so the
diagnosis texts show too); each assignment's catalog is checked in test_assignments.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_checks import placeholder_mismatches
from click.testing import CliRunner

from grader.cli import cli
from grader.course.catalogs import Message, engine_messages, missing_translations
from grader.errors import GraderError
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.i18n import ENGINE_LOCALE, LANGUAGES, catalog_path, translator
from grader.reports.student import build_context, render_check, render_html, render_markdown, translate_plot
from grader.results import Plot

WRONG_DOUBLE = Path(__file__).parent / "fixtures" / "submissions" / "wrong_double.py"


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_engine_message_is_translated(language):
    messages = engine_messages()
    assert len(messages) > 50  # extraction found the templates' and the modules' strings
    assert missing_translations(messages, ENGINE_LOCALE, language) == []


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_engine_translations_keep_every_placeholder(language):
    entries, wrong = placeholder_mismatches(ENGINE_LOCALE, language)
    assert entries > 50 and wrong == []


def test_the_placeholder_check_catches_a_dropped_placeholder(tmp_path):
    po = catalog_path(tmp_path, "vi")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Got {actual}"\nmsgstr "Nhận {actual}"\n\n'
        'msgid "%(n)s of 100%%"\nmsgstr "%(n)s trên 100"\n',
        encoding="utf-8",
    )
    assert placeholder_mismatches(tmp_path, "vi") == (2, ["%(n)s of 100%%"])


def test_the_check_fails_for_a_missing_an_empty_or_a_fuzzy_translation(tmp_path):
    po = catalog_path(tmp_path, "vi")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Done"\nmsgstr "Xong"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Đoán"\n',
        encoding="utf-8",
    )
    messages = [Message(text, "here") for text in ("Done", "Empty", "Guessed", "Absent")]
    assert missing_translations(messages, tmp_path, "vi") == [
        "untranslated: 'Empty' (here)",
        "fuzzy: 'Guessed' (here)",
        "missing: 'Absent' (here)",
    ]
    # A fuzzy translation is a guess: reports show the English text instead.
    assert translator("vi", [tmp_path]).gettext("Guessed") == "Guessed"
    assert translator("vi", [tmp_path]).gettext("Done") == "Xong"


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(GraderError, match="no reports in language 'fr'.*choose one of: en, vi"):
        translator("fr")


def test_the_engine_catalog_has_singulars_and_plurals():
    vi = translator("vi")
    assert vi.gettext("Hint:") == "Gợi ý:"
    assert vi.ngettext("%(n)s point", "%(n)s points", 3) == "%(n)s điểm"
    assert translator("en").ngettext("%(n)s point", "%(n)s points", 3) == "%(n)s points"


def test_the_x_axis_is_named_in_the_assignments_words_or_the_engines():
    vi = translator("vi")
    assert translate_plot(Plot("t", "d", ()), vi).xlabel == "bước"  # the engine's word, when none is named
    assert vi.gettext("→ %(value)s at %(xlabel)s %(step)s") == "→ %(value)s ở %(xlabel)s %(step)s"


@pytest.fixture(scope="module")
def wrong_double(toy_with_mistakes, session_launcher):
    """Wrong in every call of double: each failure has values, a hint, and the named mistake "triples"."""
    return grade(toy_with_mistakes, Source("wrong_double", WRONG_DOUBLE), launcher=session_launcher)


def test_a_vietnamese_report_has_no_english_of_the_engine(wrong_double, toy_with_mistakes):
    assert [d.id for d in wrong_double.diagnoses] == ["triples"]
    ctx = build_context(wrong_double, toy_with_mistakes.title, with_svgs=True, language="vi")
    html = render_html(ctx)
    assert '<html lang="vi">' in html
    for english in ("Hint:", "Expected", "Your code gave", "What to fix", "Passed:", " points", "Plots", "(yours)"):
        assert english not in html, english
    for vietnamese in ("Gợi ý:", "Mong đợi", "Mã của bạn trả về", "Cần sửa:", "Đạt:", "điểm", "Đồ thị", "(của bạn)"):
        assert vietnamese in html, vietnamese
    # Sentences the engine composes with values are translated too; values stay as they are.
    assert "giá trị trả về khác đáp án ở chỉ số 0: mong đợi 2.0, nhận được 3.0" in html
    assert "differs from the reference" not in html and 'lang="en"' not in html
    # The toy has no catalog of its own: its hints stay in English, never blank.
    assert "<strong>Gợi ý:</strong> Multiply by two." in html
    markdown = render_markdown(ctx)
    assert "**Gợi ý:**" in markdown and "Hint" not in markdown


def test_english_stays_the_default(wrong_double, toy_with_mistakes):
    html = render_html(build_context(wrong_double, toy_with_mistakes.title, with_svgs=False))
    assert '<html lang="en">' in html and "Hint:" in html and "Gợi ý" not in html
    assert "the returned value differs from the reference at index 0: expected 2.0, got 3.0" in html


@pytest.mark.slow
def test_check_and_grade_take_lang(tmp_path, toy_with_mistakes):
    runner = CliRunner()
    toy = str(toy_with_mistakes.root)
    result = runner.invoke(cli, ["check", str(WRONG_DOUBLE), "-a", toy, "--lang", "vi"])
    assert result.exit_code == 1, result.output
    assert "gợi ý:" in result.output and "Lỗi sai:" in result.output and "bài kiểm tra công khai" in result.output
    result = runner.invoke(cli, ["check", str(WRONG_DOUBLE), "-a", toy, "--lang", "fr"])
    assert result.exit_code == 2 and "Invalid value for '--lang'" in result.output
    out = tmp_path / "out"
    result = runner.invoke(cli, ["grade", str(WRONG_DOUBLE), "-a", toy, "-o", str(out), "--lang", "vi"])
    assert result.exit_code == 0, result.output
    assert "Lỗi sai được nhận diện" in (out / "wrong_double" / "report.html").read_text(encoding="utf-8")
    assert "Tổng quan lớp" in (out / "summary.html").read_text(encoding="utf-8")
    # The same output folder in English: unchanged submissions are rewritten in the language asked for.
    result = runner.invoke(cli, ["grade", str(WRONG_DOUBLE), "-a", toy, "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "wrong_double" / "report.html").read_text(encoding="utf-8")
    assert "Named mistake" in report and "Lỗi sai" not in report


def test_check_text_in_vietnamese(wrong_double, toy_with_mistakes):
    text = render_check(build_context(wrong_double, toy_with_mistakes.title, with_svgs=False, language="vi"))
    assert "✗ Lỗi sai: double multiplies by three" in text and "cách sửa:" in text and "gợi ý:" in text
