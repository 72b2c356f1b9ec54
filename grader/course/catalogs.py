"""Returns the messages that must be translated, and refreshes the gettext catalogs that hold them.

The engine's messages are extracted from its Python files and templates; an assignment's from its
settings, hints (as pytest collects them), checks and diagnoses. Run after changing a string:
`python -m grader.course.catalogs update ASSIGNMENT...` (the catalogs of the languages each assignment
declares, nothing else) or `python -m grader.course.catalogs update --engine` (the engine's), then
translate the new entries.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from grader.assignment import Assignment, find_assignment
from grader.errors import GraderError
from grader.grading.diagnosis import load_diagnoses
from grader.grading.plugin import register_markers
from grader.grading.session import run_pytest
from grader.i18n import DEFAULT_LANGUAGE, DOMAIN, ENGINE_LOCALE, LANGUAGES, TEMPLATE_OPTIONS, catalog_path
from grader.results import DEFAULT_XLABEL

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
"""Function names whose string arguments are messages, in Python files and templates alike."""


@dataclass(frozen=True)
class Message:
    """A string that a report may show, and where it comes from."""

    msgid: str
    where: str
    plural: str | None = None


def engine_messages() -> list[Message]:
    """Returns every message in the engine's Python files and templates, in file order."""
    package = Path(__file__).resolve().parent.parent
    method_map = [("**.py", "python"), ("**/templates/**.j2", "jinja2")]
    options_map = {"**/templates/**.j2": TEMPLATE_OPTIONS}
    found = []
    for filename, line, message, _comments, _context in extract_from_dir(
        str(package), method_map, options_map, keywords=KEYWORDS
    ):
        singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        found.append(Message(singular, f"grader/{filename}:{line}", plural))
    return found


def assignment_messages(assignment: Assignment) -> list[Message]:
    """Returns every English string of an assignment that reaches a report.

    The title, each plot's title, description, run labels and axis labels, the hint of every hidden and
    public test (as pytest collects them, so hints built from constants count too), the texts its tests
    and diagnoses mark with N_ (checks' texts, names of functions the grader supplies), and every
    diagnosis text. A plot that names no x axis uses the engine's word, translated in its catalog.
    """
    toml = "assignment.toml"
    found = [Message(assignment.title, f"{toml}: title")]
    for index, plot in enumerate(assignment.plots):
        where = f"{toml}: plots[{index}]"
        found += [Message(plot.title, where), Message(plot.description, where)]
        found += [Message(run.label, where) for run in plot.runs]
        found += [Message(panel.ylabel, where) for panel in plot.panels]
        found += [Message(plot.xlabel, where)] if plot.xlabel != DEFAULT_XLABEL else []
    for tests in (assignment.hidden_tests, assignment.public_tests):
        if tests.is_dir():
            found += [Message(hint, f"tests/{tests.name}: {nodeid}") for nodeid, hint in collect_hints(tests)]
            # Checks' `what` and `expected` texts and stand-ins' names, marked N_("...") in the tests.
            for filename, line, message, _comments, _context in extract_from_dir(
                str(tests), [("**.py", "python")], keywords={"N_": None}
            ):
                found.append(Message(str(message), f"tests/{tests.name}/{filename}:{line}"))
    for probe in load_diagnoses(assignment.diagnoses_file) if assignment.diagnoses_file else ():
        where = f"diagnoses.py: {probe.id}"
        found += [Message(probe.title, where), Message(probe.explanation, where), Message(probe.fix, where)]
    if assignment.diagnoses_file:
        # Anything else the probes mark, such as the name of a function the grader supplies.
        known = {m.msgid for m in found}
        for line, message, _comments, _context in extract_from_file(
            "python", str(assignment.diagnoses_file), keywords={"N_": None}
        ):
            found += [Message(str(message), f"diagnoses.py:{line}")] if str(message) not in known else []
    return [m for m in found if m.msgid]


def collect_hints(tests: Path) -> list[tuple[str, str]]:
    """Returns (test id, hint) for every test pytest collects under `tests`, without running any."""

    class Collector:
        def __init__(self) -> None:
            self.hints: list[tuple[str, str]] = []

        def pytest_configure(self, config: Any) -> None:
            register_markers(config)

        def pytest_collection_modifyitems(self, items: list[Any]) -> None:
            for item in items:
                marker = item.get_closest_marker("hint")
                if marker and marker.args:
                    self.hints.append((item.nodeid, str(marker.args[0])))

    collector = Collector()
    code = run_pytest(tests, collector, "--collect-only")
    if code != 0:
        raise GraderError(f"the tests under {tests} could not be collected (pytest exit code {code})", "fix them")
    return collector.hints


def missing_translations(messages: Iterable[Message], locale_dir: Path, language: str) -> list[str]:
    """Returns a line per message that the catalog lacks, leaves empty or marks fuzzy."""
    path = catalog_path(locale_dir, language)
    if not path.is_file():
        return [f"{path} does not exist"]
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    problems = []
    for message in _unique(messages):
        entry = catalog.get(message.msgid)
        strings = entry.string if entry is not None else None
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or not translated or entry.fuzzy:
            state = "missing" if entry is None else ("fuzzy" if entry.fuzzy and translated else "untranslated")
            problems.append(f"{state}: {message.msgid[:70]!r} ({message.where})")
    return problems


def _unique(messages: Iterable[Message]) -> Iterator[Message]:
    seen: set[str] = set()
    for message in messages:
        if message.msgid not in seen:
            seen.add(message.msgid)
            yield message


def update_catalogs(
    messages: list[Message], locale_dir: Path, project: str, languages: Iterable[str] = LANGUAGES
) -> None:
    """Writes messages.pot under `locale_dir` and merges it into the catalog of each of `languages` but
    English (the source language has none).

    New messages arrive untranslated, changed ones fuzzy: both fail the translation test until done.
    """
    template = Catalog(project=project, domain=DOMAIN, charset="utf-8")
    for message in messages:
        msgid: Any = (message.msgid, message.plural) if message.plural else message.msgid
        template.add(msgid, locations=[(message.where, 0)])
    locale_dir.mkdir(parents=True, exist_ok=True)
    with (locale_dir / f"{DOMAIN}.pot").open("wb") as file:
        write_po(file, template, width=110, omit_header=False, include_lineno=False)
    for language in [language for language in languages if language != DEFAULT_LANGUAGE]:
        path = catalog_path(locale_dir, language)
        if path.is_file():
            with path.open("rb") as file:
                catalog = read_po(file, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, project=project, domain=DOMAIN, charset="utf-8")
        catalog.update(template, update_header_comment=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            write_po(file, catalog, width=110, ignore_obsolete=True, include_lineno=False)


USAGE = """usage: python -m grader.course.catalogs update ASSIGNMENT...   refresh these assignments' catalogs
       python -m grader.course.catalogs update --engine          refresh the engine's own catalogs

An assignment's catalogs are those of the languages its assignment.toml declares (languages = [...]);
new entries arrive untranslated, changed ones fuzzy: translate them, then run the tests."""


def main(argv: list[str]) -> int:
    """Refreshes the catalogs `argv` names (see USAGE); returns the exit status: 2 on a usage error."""
    if not argv or argv[0] != "update" or len(argv) < 2 or ("--engine" in argv and len(argv) > 2):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[1:] == ["--engine"]:
        update_catalogs(engine_messages(), ENGINE_LOCALE, "gd-autograder")
        return 0
    try:
        assignments = [find_assignment(name) for name in argv[1:]]
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for assignment in assignments:
        messages = assignment_messages(assignment)
        update_catalogs(messages, assignment.locale, assignment.name, assignment.languages)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
