"""The assignments the course ships, for the meta-tests parametrised over them.

Every folder under assignments/ holding an assignment.toml is one: a new assignment brings its own tests
(its goldens in assignments/NAME/golden/, its named mistakes' submissions in assignments/NAME/mistakes/)
and needs no edit here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import DEFAULT_LANGUAGE
from grader.schema import DEFAULT_LANGUAGES

PROJECT = Path(__file__).parent.parent
ASSIGNMENTS = sorted(p.parent for p in (PROJECT / "assignments").glob("*/assignment.toml"))
NAMES = [folder.name for folder in ASSIGNMENTS]


def declared_languages(folder: Path) -> list[str]:
    """Returns the report languages beyond English an assignment declares (`languages` in assignment.toml):
    the only ones whose catalogs the tests require."""
    about = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8")).get("assignment", {})
    return [language for language in about.get("languages", DEFAULT_LANGUAGES) if language != DEFAULT_LANGUAGE]


TRANSLATED = [(folder, language) for folder in ASSIGNMENTS for language in declared_languages(folder)]
"""(assignment folder, language) for every catalog an assignment ships by its own declaration."""
TRANSLATED_IDS = [f"{folder.name}-{language}" for folder, language in TRANSLATED]

GOLDEN = "golden"
"""An assignment's golden files, beside its examples; never shipped (release and gradescope leave it out)."""
EXAMPLE_SCORES = "examples.json"
"""In the golden folder: every example's score and status."""
REPORT_PLAN = "reports.toml"
"""In the golden folder: which examples have their reports pinned, per language (see report_goldens)."""
MISTAKES = "mistakes"
"""An assignment's submissions that each make one named mistake of its diagnoses.py (file stem = the id)."""


@dataclass(frozen=True)
class ReportGolden:
    """One example whose reports an assignment pins, in one language."""

    folder: Path
    example: str
    language: str

    @property
    def stem(self) -> str:
        """NAME in the default language, English (NAME.report.md, NAME.results.json); NAME.LANG in another."""
        return self.example if self.language == DEFAULT_LANGUAGE else f"{self.example}.{self.language}"

    @property
    def files(self) -> dict[str, Path]:
        """The golden files, by the report file they pin: results.json only in English (it holds no text
        that depends on the language but the language's name)."""
        golden = self.folder / GOLDEN
        files = {"report.md": golden / f"{self.stem}.report.md"}
        if self.language == DEFAULT_LANGUAGE:
            files["results.json"] = golden / f"{self.stem}.results.json"
        return files

    @property
    def id(self) -> str:
        return f"{self.folder.name}-{self.stem}"


def report_goldens(folder: Path) -> list[ReportGolden]:
    """Returns the report goldens an assignment asks for in golden/reports.toml: `LANG = ["example", ...]`
    (none while the file is missing: test_assignments.py asks for it)."""
    path = folder / GOLDEN / REPORT_PLAN
    plan = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return [ReportGolden(folder, example, language) for language, examples in plan.items() for example in examples]


REPORT_GOLDENS = [golden for folder in ASSIGNMENTS for golden in report_goldens(folder)]
