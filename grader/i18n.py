"""Returns translators for a report's language: the engine's gettext catalog merged with an assignment's.

English is the source language: every string in the engine, its templates and an assignment (hints,
plot texts, diagnoses) is written in English and is its own gettext msgid. A catalog per language,
`locale/<lang>/LC_MESSAGES/messages.po`, holds the translations; it is compiled in memory with Babel
when first used, so a checkout or a fresh `pip install` needs no build step and no binary .mo files.
Untranslated and fuzzy entries fall back to English (tests/test_i18n.py fails when any exists).

Maintainers refresh the catalogs after changing a string with
`python -m grader.course.catalogs update --engine` (an assignment's: `update ASSIGNMENT`).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

from grader.errors import GraderError

LANGUAGES = ("en", "vi")
"""Languages a report can be written in; "en" is the source language and needs no catalog."""
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
ENGINE_LOCALE = Path(__file__).with_name("locale")
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "trim_blocks": "true", "lstrip_blocks": "true"}


class Translator:
    """Translates the engine's and one assignment's messages into one language."""

    def __init__(self, language: str, translations: gettext.NullTranslations):
        self.language = language
        self.translations = translations

    def gettext(self, message: str) -> str:
        """Returns the translation of `message`, or `message` itself when the catalog lacks it."""
        return self.translations.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Returns the translation of the singular or plural form that suits `count`."""
        return self.translations.ngettext(singular, plural, count)


def translator(language: str = DEFAULT_LANGUAGE, locale_dirs: Iterable[Path] = ()) -> Translator:
    """Returns the translator for `language`, with the engine's catalog and those under `locale_dirs`.

    Raises GraderError for a language no report can be written in.
    """
    if language not in LANGUAGES:
        raise GraderError(f"no reports in language {language!r}", f"choose one of: {', '.join(LANGUAGES)}")
    return _translator(language, tuple(Path(d).resolve() for d in locale_dirs))


@cache
def _translator(language: str, locale_dirs: tuple[Path, ...]) -> Translator:
    merged: Translations | None = None
    for directory in (ENGINE_LOCALE, *locale_dirs):
        path = catalog_path(directory, language)
        if not path.is_file():
            continue
        compiled = _compile(path)
        if merged is None:
            merged = compiled
        else:
            merged.merge(compiled)
    return Translator(language, merged if merged is not None else gettext.NullTranslations())


def catalog_path(locale_dir: Path, language: str) -> Path:
    """Returns where the catalog of `language` lives under a locale folder."""
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(path: Path) -> Translations:
    with path.open("rb") as file:
        catalog = read_po(file, locale=path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy translation is a guess: show English instead
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def install(environment: Environment, translator: Translator) -> None:
    """Gives the templates of `environment` _(), gettext() and ngettext() in the translator's language."""
    environment.install_gettext_translations(translator.translations, newstyle=True)  # type: ignore[attr-defined]
