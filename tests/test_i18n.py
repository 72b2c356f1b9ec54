"""Reports in Vietnamese: every message of the engine and of gd1d has a real translation in the catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from grader.assignment import find_assignment
from grader.cli import cli
from grader.course.catalogs import Message, assignment_messages, engine_messages, missing_translations
from grader.errors import GraderError
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.i18n import ENGINE_LOCALE, LANGUAGES, catalog_path, translator
from grader.reports.student import build_context, render_check, render_html, render_markdown, translate_plot
from grader.results import Plot

PROJECT = Path(__file__).parent.parent
ASSIGNMENTS = sorted(p.parent for p in (PROJECT / "assignments").glob("*/assignment.toml"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}|%%")


@pytest.fixture(scope="module")
def gd1d():
    return find_assignment(str(PROJECT / "assignments" / "gd1d"))


def catalog_entries(locale_dir: Path, language: str):
    with catalog_path(locale_dir, language).open("rb") as file:
        return [m for m in read_po(file, locale=language) if m.id]


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_engine_message_is_translated(language):
    messages = engine_messages()
    assert len(messages) > 50  # extraction found the templates' and the modules' strings
    assert missing_translations(messages, ENGINE_LOCALE, language) == []


@pytest.mark.parametrize("language", LANGUAGES[1:])
@pytest.mark.parametrize("folder", ASSIGNMENTS, ids=[p.name for p in ASSIGNMENTS])
def test_every_assignment_message_is_translated(folder, language):
    """Hints, plot texts and named mistakes: everything of the assignment a report shows."""
    assignment = find_assignment(str(folder))
    messages = assignment_messages(assignment)
    hints = [m for m in messages if m.where.startswith("tests/hidden")]
    assert hints and all(m.msgid for m in hints)
    assert missing_translations(messages, assignment.locale, language) == []


@pytest.mark.parametrize(
    "locale_dir", [ENGINE_LOCALE, *(p / "locale" for p in ASSIGNMENTS)], ids=lambda p: p.parent.name
)
def test_translations_keep_every_placeholder(locale_dir):
    for entry in catalog_entries(locale_dir, "vi"):
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == wanted, entry.id


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


def test_assignment_catalog_overrides_nothing_of_the_engine_and_adds_its_texts(gd1d):
    vi = translator("vi", [gd1d.locale])
    assert vi.gettext("Hint:") == "Gợi ý:"
    assert vi.gettext(gd1d.title) != gd1d.title
    assert vi.ngettext("%(n)s point", "%(n)s points", 3) == "%(n)s điểm"


def test_the_x_axis_is_named_in_the_assignments_words_or_the_engines(gd1d):
    assert {plot.xlabel for plot in gd1d.plots} == {"epoch"}
    assert "epoch" in {message.msgid for message in assignment_messages(gd1d)}
    vi = translator("vi", [gd1d.locale])
    assert translate_plot(Plot("t", "d", (), xlabel="epoch"), vi).xlabel == "epoch"
    assert translate_plot(Plot("t", "d", ()), vi).xlabel == "bước"  # the engine's word, when none is named
    assert vi.gettext("→ %(value)s at %(xlabel)s %(step)s") == "→ %(value)s ở %(xlabel)s %(step)s"


@pytest.fixture(scope="module")
def wrong_sign(gd1d):
    return grade(gd1d, Source("wrong_sign", gd1d.examples / "wrong_sign.py"))


def test_a_vietnamese_report_has_no_english_of_its_own(wrong_sign, gd1d):
    ctx = build_context(wrong_sign, gd1d.title, with_svgs=True, language="vi", locale_dirs=[gd1d.locale])
    html = render_html(ctx)
    assert '<html lang="vi">' in html
    for english in ("Hint:", "Expected", "Your code gave", "What to fix", "Passed:", " points", "Plots", "(yours)"):
        assert english not in html, english
    for vietnamese in ("Gợi ý:", "Mong đợi", "Mã của bạn trả về", "Cần sửa:", "Đạt:", "điểm", "Đồ thị", "(của bạn)"):
        assert vietnamese in html, vietnamese
    # Plot titles and texts alternatives are translated too, inside the SVG.
    assert "lr = 1 từ x0 = 2: hạ gradient phân kỳ" in html
    # Sentences the engine and the hidden tests compose with values are translated too; values stay as they are.
    assert "x sau 100 epoch với lr = 0.001 từ 2.0 là 3.228282461; mong đợi 0.5 &lt; |x − 0.5| &lt; 1.5" in html
    assert "x after" not in html and "differs from the reference" not in html and 'lang="en"' not in html
    # The function a hidden test supplies is named in the assignment's words; the rest of a call stays as written.
    assert "n_epochs=7, schedule=&lt;lịch tốc độ học của trình chấm&gt;)" in html and "grader&#39;s" not in html
    markdown = render_markdown(ctx)
    assert "**Gợi ý:**" in markdown and "Hint" not in markdown
    assert "schedule=<lịch tốc độ học của trình chấm>)" in markdown and "grader's schedule" not in markdown


def test_english_stays_the_default(wrong_sign, gd1d):
    html = render_html(build_context(wrong_sign, gd1d.title, with_svgs=False))
    assert '<html lang="en">' in html and "Hint:" in html and "Gợi ý" not in html and 'lang="en">x after' not in html


def test_check_and_grade_take_lang(tmp_path, gd1d):
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(gd1d.examples / "wrong_sign.py"), "--lang", "vi"])
    assert result.exit_code == 1, result.output
    assert "gợi ý:" in result.output and "Lỗi sai:" in result.output and "bài kiểm tra công khai" in result.output
    result = runner.invoke(cli, ["check", str(gd1d.examples / "wrong_sign.py"), "--lang", "fr"])
    assert result.exit_code == 2 and "Invalid value for '--lang'" in result.output
    out = tmp_path / "out"
    result = runner.invoke(cli, ["grade", str(gd1d.examples / "transposed_history.py"), "-o", str(out), "--lang", "vi"])
    assert result.exit_code == 0, result.output
    assert "Lịch sử bị chuyển vị" in (out / "transposed_history" / "report.html").read_text(encoding="utf-8")
    assert "Tổng quan lớp" in (out / "summary.html").read_text(encoding="utf-8")
    # The same output folder in English: unchanged submissions are rewritten in the language asked for.
    result = runner.invoke(cli, ["grade", str(gd1d.examples / "transposed_history.py"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "The history is transposed" in (out / "transposed_history" / "report.html").read_text(encoding="utf-8")


def test_check_text_in_vietnamese(wrong_sign, gd1d):
    text = render_check(
        build_context(wrong_sign, gd1d.title, with_svgs=False, language="vi", locale_dirs=[gd1d.locale])
    )
    assert "Phép cập nhật đi lên dốc" in text and "cách sửa:" in text
