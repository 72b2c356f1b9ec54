"""Returns settings read from a parsed TOML file and checked against their declaration (tables of keys, each
with its type, default and meaning), or a GraderError naming the file, the dotted key and the closest known
key; and renders a declaration as Markdown, so the docs show what the code checks."""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from grader.errors import GraderError


def _anything(value: Any) -> bool:
    return True


@dataclass(frozen=True)
class Kind:
    """A type of value: its name in messages and in the docs, the TOML types it takes, the values it accepts."""

    name: str
    types: tuple[type, ...]
    accepts: Callable[[Any], bool] = _anything

    def holds(self, value: Any) -> bool:
        """Returns whether `value` is of this kind; a boolean is never a number (TOML's true is no 1)."""
        if isinstance(value, bool) and bool not in self.types:
            return False
        return isinstance(value, self.types) and self.accepts(value)

    @property
    def phrase(self) -> str:
        """Returns the name with its article, as in "must be an integer"."""
        if self.name.startswith("one of"):
            return self.name
        return ("an " if self.name[0] in "aeiou" else "a ") + self.name


def one_of(*choices: str) -> Kind:
    """Returns the kind of a string that must be one of `choices`."""
    return Kind("one of " + ", ".join(f'"{choice}"' for choice in choices), (str,), lambda value: value in choices)


STRING = Kind("string", (str,))
INTEGER = Kind("integer", (int,))
POSITIVE_INTEGER = Kind("positive integer", (int,), lambda value: value > 0)
NUMBER = Kind("number", (int, float), math.isfinite)
"""Ints are numbers too: `about = 1` is `about = 1.0`."""
POSITIVE_NUMBER = Kind("positive number", (int, float), lambda value: math.isfinite(value) and value > 0)
PERCENT = Kind("number from 0 to 100", (int, float), lambda value: 0 <= value <= 100)
ZONED_DATETIME = Kind(
    "date-time with its offset, e.g. 2025-03-01T23:59:00+07:00", (datetime,), lambda value: value.tzinfo is not None
)
ARRAY = Kind("array", (list,))
STRINGS = Kind("array of strings", (list,), lambda value: all(isinstance(item, str) for item in value))
RANGE = Kind(
    "array of two numbers, low < high",
    (list,),
    lambda value: (
        len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        and value[0] < value[1]
    ),
)
GRID_SIZE = Kind("integer from 2 to 401", (int,), lambda value: 2 <= value <= 401)
"""A background's points per side: 401² values are already past what a report's panel shows."""
INLINE_TABLE = Kind("inline table", (dict,))


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""The default of a key that has none: the file must set it."""


@dataclass(frozen=True)
class Key:
    """One setting of a table: its name, kind, default (REQUIRED when it has none) and what it is for."""

    name: str
    kind: Kind
    default: Any
    doc: str
    shown_default: str = ""
    """The default in the docs' words, when it is no value of its own (it depends on other settings)."""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    """A table ([name]) or an array of tables ([[name]]): its keys and the tables nested in it. The top
    table of a file has the name "" and, as its doc, where the file's keys are documented."""

    name: str
    """Dotted from the top: "plots.runs"."""
    doc: str
    keys: tuple[Key, ...] = ()
    tables: tuple[Table, ...] = ()
    array: bool = False
    required: bool = False
    """A table the file must have; for an array, at least one entry in each table that holds it."""

    @property
    def header(self) -> str:
        return f"[[{self.name}]]" if self.array else f"[{self.name}]"

    @property
    def last(self) -> str:
        return self.name.rpartition(".")[2]


def tables(root: Table) -> Iterator[Table]:
    """Returns every table declared under `root`, each before the tables it holds."""
    for nested in root.tables:
        yield nested
        yield from tables(nested)


def declared_keys(root: Table) -> list[str]:
    """Returns every key declared under `root`, dotted ("late.percent_per_day"), in declaration order."""
    return [f"{table.name}.{key.name}" for table in tables(root) for key in table.keys]


def read_settings(root: Table, config: dict[str, Any], file: str) -> dict[str, Any]:
    """Returns the parsed `config` with every absent optional key and table at its default, or raises its
    first problem (unknown keys first: a typo is what leaves a required key missing)."""
    found = problems(root, config, file)
    if found:
        raise found[0]
    return _filled(root, config)


def problems(root: Table, config: dict[str, Any], file: str) -> list[GraderError]:
    """Returns every way `config` breaks the declaration: unknown keys, then wrong values, then missing ones."""
    check = _Check(root, file)
    check.table(root, config, "")
    return [error for _, error in sorted(check.found, key=lambda ranked: ranked[0])]


UNKNOWN, WRONG, MISSING = range(3)


@dataclass
class _Check:
    """Walks a parsed file beside its declaration, collecting each problem with its rank."""

    root: Table
    file: str
    found: list[tuple[int, GraderError]] = field(default_factory=list)

    def table(self, table: Table, entry: dict[str, Any], where: str) -> None:
        keys = {key.name: key for key in table.keys}
        nested = {inner.last: inner for inner in table.tables}
        for name, value in entry.items():
            dotted = f"{where}.{name}" if where else name
            if name in keys:
                if not keys[name].kind.holds(value):
                    self.wrong(dotted, keys[name].kind.phrase, value)
            elif name in nested:
                self.nested(nested[name], value, dotted)
            else:
                self.unknown(table, name, value, where)
        for key in table.keys:
            if key.required and key.name not in entry:
                dotted = f"{where}.{key.name}" if where else key.name
                fix = f"set it to {key.kind.phrase} under {table.header}"
                self.found.append((MISSING, GraderError(f"{self.file}: {dotted} is missing", fix)))
        for inner in table.tables:
            if inner.required and not entry.get(inner.last):
                there = f"{where} has no {inner.header}" if where else f"{inner.header} is missing"
                names = ", ".join(key.name for key in inner.keys if key.required)
                fix = f"add at least one {inner.header} under it" if where else f"add it with {names}"
                self.found.append((MISSING, GraderError(f"{self.file}: {there}", fix)))

    def nested(self, table: Table, value: Any, dotted: str) -> None:
        if table.array and isinstance(value, list) and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                self.table(table, item, f"{dotted}[{index}]")
        elif not table.array and isinstance(value, dict):
            self.table(table, value, dotted)
        else:
            self.wrong(
                dotted, f"an array of tables ({table.header})" if table.array else f"a table ({table.header})", value
            )

    def wrong(self, dotted: str, wanted: str, value: Any) -> None:
        problem = f"{self.file}: {dotted} must be {wanted}, not {_shown(value)}"
        self.found.append((WRONG, GraderError(problem, self.root.doc)))

    def unknown(self, table: Table, name: str, value: Any, where: str) -> None:
        is_table = isinstance(value, dict) or isinstance(value, list) and bool(value) and isinstance(value[0], dict)
        problem = f"{self.file}: unknown {'table' if is_table else 'key'} {where + '.' if where else ''}{name}"
        known = [key.name for key in table.keys] + [inner.last for inner in table.tables]
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            fix = f"did you mean {where + '.' if where else ''}{close[0]}?"
        else:  # a key written in another table, or above every table's header
            elsewhere = [
                f"{other.name}.{name}"
                for other in tables(self.root)
                if not other.array and any(key.name == name for key in other.keys)
            ]
            takes = f"{table.header} takes" if where else "its tables are"
            fix = f"did you mean {elsewhere[0]}?" if elsewhere else f"{takes} {', '.join(known)}; {self.root.doc}"
        self.found.append((UNKNOWN, GraderError(problem, fix)))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _filled(table: Table, entry: dict[str, Any]) -> dict[str, Any]:
    filled = {key.name: copy.copy(key.default) for key in table.keys if not key.required} | entry
    for inner in table.tables:
        given = entry.get(inner.last)
        if inner.array:
            filled[inner.last] = [_filled(inner, item) for item in given or []]
        else:
            filled[inner.last] = _filled(inner, given or {})
    return filled


def render_markdown(root: Table) -> str:
    """Returns the declaration as Markdown: a heading, a line and a table of keys for each table."""
    lines: list[str] = []
    for table in tables(root):
        if table.array and table.required:
            count = f"at least one in each `[[{table.name.rpartition('.')[0]}]]`"
        else:
            count = "any number" if table.array else "required" if table.required else "optional"
        lines += [f"### `{table.header}` ({count})", "", table.doc, ""]
        lines += ["| key | type | default | what it is |", "|---|---|---|---|"]
        for key in table.keys:
            cells = (f"`{key.name}`", key.kind.name, _default_cell(key), key.doc)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _default_cell(key: Key) -> str:
    if key.required:
        return "required"
    if key.shown_default:
        return key.shown_default
    if key.default is None:
        return "none"
    if isinstance(key.default, str):
        return f'`"{key.default}"`'
    if isinstance(key.default, float) and key.default.is_integer():
        return f"`{int(key.default)}`"
    return f"`{key.default!r}`"
