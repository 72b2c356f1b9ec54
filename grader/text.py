"""Returns translatable sentences: N_ marks an English message, Text carries one with its values.

English is the source language: every message is its own gettext msgid. N_ only marks a string for
extraction; a Text is rendered in a report's language where it is shown (see grader.i18n).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - the conventional name, which extraction looks for
    """Returns `message` unchanged: marks a string to extract, translated later where it is shown."""
    return message


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Text:
    """A sentence a report can translate: an English template (a gettext msgid) and the values in it.

    Values are text already formatted for reading (numbers, calls), or Texts of their own, translated
    in turn. results.json keeps the English rendering; reports render in their language.
    """

    template: str
    values: tuple[tuple[str, Text | str], ...] = ()
    verbatim: bool = False
    """True for text shown as written, such as a call: the template is no message, only the Texts
    among its values are translated."""

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """Returns the sentence in the language of `translate`, or in English without one."""
        values = {name: v.render(translate) if isinstance(v, Text) else v for name, v in self.values}
        template = translate(self.template) if translate and not self.verbatim else self.template
        return _PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), template)


def text(template: str, **values: Text | str) -> Text:
    """Returns a translatable sentence: `template` with {name} placeholders, and their values."""
    return Text(template, tuple(values.items()))


def verbatim(*pieces: Text | str) -> Text:
    """Returns `pieces` joined as text shown as written (a call), in which only the Text pieces are
    translated: e.g. the name of a function the grader supplies, inside a call to the student's code."""
    return Text(
        "".join(f"{{{index}}}" for index in range(len(pieces))),
        tuple((str(index), piece) for index, piece in enumerate(pieces)),
        verbatim=True,
    )


def as_verbatim(shown: Text | str | None) -> Text | None:
    """Returns `shown` as text shown as written: a string as its one piece, a Text (or None) as it is."""
    return verbatim(shown) if isinstance(shown, str) else shown
