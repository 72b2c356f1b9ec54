"""Returns a submission's fingerprints: hashes of runs of its normalised tokens, and where each run is.

Pygments' Python lexer reads any text, even code that does not parse. Comments, docstrings and layout
are dropped; a name the submission chose becomes `V` (a function or class it defines, `F`) and any other
string `S`, so renaming and re-commenting change nothing. Builtins, imported modules, attributes
(`.append`, `.zeros`), keywords, operators and numbers stay as written: they tell styles apart.

The starter's own top-level names (the functions tests call, `np`) stay too: a copy cannot rename them.
A run of KGRAM tokens never crosses the end of a statement, so reordering functions or statements, or
putting dead code between them, keeps every run of the code copied. Each run is hashed with BLAKE2b:
the same text gives the same number in every process, whatever PYTHONHASHSEED (Python's own `hash()`
of a string does not, and copydetect hashes its k-grams with it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

KGRAM = 6
"""Tokens per run; a statement shorter than this is one run."""

_KEPT_NAMES = ("Token.Name.Builtin", "Token.Name.Namespace", "Token.Name.Exception", "Token.Name.Decorator")
_CHOSEN = "V"
_DEFINED = "F"
_STRING = "S"


@dataclass(frozen=True)
class Token:
    """A token as compared (`text`) and where the original is in the submission's text."""

    text: str
    start: int
    end: int
    starts_statement: bool
    """The token is the first of a statement (a logical line): runs do not cross it."""


def tokens(code: str, kept: frozenset[str] = frozenset()) -> list[Token]:
    """Returns the normalised tokens of Python `code`: no comments, docstrings or layout; chosen names as V
    unless in `kept`."""
    from pygments.lexers.python import PythonLexer

    found: list[Token] = []
    statement_start, depth, previous = True, 0, ""
    for start, kind, value in PythonLexer(stripnl=False, ensurenl=False).get_tokens_unprocessed(code):
        text = _compared(str(kind), value, previous, kept)
        if text is None:
            # A line break ends a statement outside brackets, unless the line ends in a backslash.
            statement_start = statement_start or ("\n" in value and depth == 0 and "\\\n" not in value)
            continue
        depth = max(depth + (text in "([{") - (text in ")]}"), 0) if len(text) == 1 else depth
        found.append(Token(text, start, start + len(value), statement_start))
        statement_start = text == ";"
        previous = text
    return found


def kept_names(starter_code: str) -> frozenset[str]:
    """Returns the names a starter defines or imports at its top level: no submission can rename them."""
    import ast

    try:
        tree = ast.parse(starter_code)
    except (SyntaxError, ValueError):
        return frozenset()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def _compared(kind: str, value: str, previous: str, kept: frozenset[str]) -> str | None:
    """Returns what a token is compared as, or None for a token that never counts."""
    if kind.startswith(("Token.Comment", "Token.Text", "Token.Literal.String.Doc")) or not value.strip():
        return None
    if kind.startswith("Token.Name"):
        if previous == "." or value in kept or kind.startswith(_KEPT_NAMES) or kind == "Token.Name.Builtin.Pseudo":
            return value
        return _DEFINED if kind.startswith(("Token.Name.Function", "Token.Name.Class")) else _CHOSEN
    if kind.startswith("Token.Literal.String"):
        # A string is lexed in pieces (quote, text, quote): one S per string, its quotes dropped.
        return None if value in ("'", '"', "'''", '"""') or kind.endswith(("Affix", "Delimiter")) else _STRING
    return value


def fingerprints(code: str, kept: frozenset[str] = frozenset()) -> Iterator[tuple[int, int, int]]:
    """Yields (hash, start, end) for every run of KGRAM tokens of `code` inside one statement; a statement
    shorter than KGRAM is one run."""
    found = tokens(code, kept)
    starts = [index for index, token in enumerate(found) if token.starts_statement] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    for begin, end in zip(starts, [*starts[1:], len(found)], strict=True):
        unit = found[begin:end]
        for at in range(max(len(unit) - KGRAM + 1, 1 if unit else 0)):
            run = unit[at : at + KGRAM]
            yield stable_hash(" ".join(token.text for token in run)), run[0].start, run[-1].end


def stable_hash(text: str) -> int:
    """Returns a 63-bit hash of `text`, the same in every process and on every machine."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
