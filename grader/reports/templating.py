"""Returns the one Jinja2 environment of a report language: templates, their filters, and status words.

Templates live in grader/reports/templates and only lay out what the report modules decided. Every
filter that puts student-controlled text into Markdown lives here, so no template can forget one.
"""

from __future__ import annotations

import os
import re
from functools import cache

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from grader.files import user_cache
from grader.formatting import format_points
from grader.i18n import Translator, install
from grader.results import Outcome, Status
from grader.text import N_

STATUS_TITLES: dict[Status, str] = {
    Status.GRADED: N_("Graded"),
    Status.MISSING_FILE: N_("Missing file: no submission was found"),
    Status.SYNTAX_ERROR: N_("Syntax error: Python could not read your file"),
    Status.IMPORT_ERROR: N_("Error while loading: your file raised an exception when Python ran it"),
    Status.TIMEOUT: N_("Time limit: your code ran for too long"),
    Status.MEMORY_LIMIT: N_("Memory limit: your code needed more memory than allowed"),
    Status.CRASHED: N_("Crashed: the process running your code stopped unexpectedly"),
    Status.INTERNAL_ERROR: N_("Grader problem: the grader failed, not your code; please tell your instructor"),
    Status.MISSING: N_("Missing: no submission of yours was handed in"),
    Status.REFUSED: N_("Refused: your archive could not be unpacked safely"),
    Status.MISSING_FUNCTIONS: N_("Missing functions: your file defines none of the functions the grader calls"),
}
"""What each status is called in a report, in words a student understands (English msgids)."""

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.PASSED: N_("✓ passed"),
    Outcome.FAILED: N_("✗ failed"),
    Outcome.ERROR: N_("✗ error"),
    Outcome.SKIPPED: N_("– skipped"),
    Outcome.NOT_RUN: N_("– not run"),
}
"""A symbol and a word per outcome, so a result never depends on colour alone."""

# Markdown filters: student-controlled text must not break a table, a fence or turn into markup.


def _md_cell(text: str) -> str:
    """Returns `text` safe inside a GFM table cell: pipes escaped, on one line."""
    return str(text).replace("|", r"\|").replace("\r", " ").replace("\n", " ")


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>|#~!$@])")


def _md_text(text: str) -> str:
    """Returns `text` as one line of plain text in Markdown, so it reads as written and forges nothing.

    Line breaks become spaces (no heading, list or fence can start inside), inline markup and what starts
    a block are escaped, and what GitHub would link by itself (https://..., www., e-mail) is broken up.
    """
    text = _INLINE_MARKUP.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    text = re.sub(r"(?i)\b(www)\.", r"\1\\.", text.replace("://", r"\://"))
    # What would start a block where the text starts a line: a list item, a rule or a heading's underline.
    text = re.sub(r"^(\s*)([-+])(?=\s|$)", r"\1\\\2", text)
    text = re.sub(r"^(\s*\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)
    return re.sub(r"^(\s*)([=-])(?=[=\-\s]*$)", r"\1\\\2", text)


def _md_code(text: str) -> str:
    """Returns `text` as an inline code span, with a fence of backticks it cannot close early."""
    text = str(text)
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_fence(text: str, language: str = "text") -> str:
    """Returns `text` as a fenced code block whose fence is longer than any backtick run inside."""
    text = str(text)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _md_quote(text: str) -> str:
    """Returns `text` as a blockquote, every line prefixed."""
    return "\n".join(f"> {line}".rstrip() for line in str(text).splitlines() or [""])


def _points_phrase(value: float, translate: Translator) -> str:
    """Returns "1 point", "1.5 points", "0 points" in the translator's language."""
    text = format_points(value)
    return translate.ngettext("%(n)s point", "%(n)s points", 1 if text == "1" else 2) % {"n": text}


@cache
def environment(translate: Translator) -> Environment:
    """Returns the one Jinja2 environment of a language: the templates' gettext and filters in it."""
    environment = Environment(
        loader=PackageLoader("grader.reports", "templates"),
        extensions=["jinja2.ext.i18n"],
        # select_autoescape compares name endings, so "report.html.j2" matches "html.j2" and the
        # Markdown and text templates stay unescaped.
        autoescape=select_autoescape(["html.j2"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_compiled_templates(),
    )
    environment.filters.update(
        md_cell=_md_cell,
        md_text=_md_text,
        md_code=_md_code,
        md_fence=_md_fence,
        md_quote=_md_quote,
        points=format_points,
        points_phrase=lambda value: _points_phrase(value, translate),
        outcome_label=lambda outcome: translate.gettext(OUTCOME_LABELS[Outcome(outcome)]),
        translate=translate.gettext,
        # Printed output and values usually end in a newline; a block shows it as an empty line.
        rstrip_newlines=lambda text: str(text).rstrip("\r\n"),
    )
    install(environment, translate)
    return environment


def _compiled_templates() -> BytecodeCache | None:
    """Returns the cache of compiled templates in the user's cache folder (None when it cannot be made):
    compiling the check's template took a tenth of `grader check`'s own CPU on every run. Jinja2 keys each
    entry by the template's name and checksum, so an edited template is compiled again."""
    folder = user_cache("jinja2")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK | os.X_OK) else None
