"""Runs a converted notebook's code cells in the worker, each on its own: one that raises is reported and skipped.

The grader turns a notebook into a small Python file holding data (the lines of its code cells laid out as
one virtual file, and where each cell is in it) and a call to `run_cells`; the worker loads that file like
any submission. This module runs beside the student's code, so it decides nothing: it runs each cell and
says which raised. It imports only the standard library and the protocol: a worker may run on a plain
Python with NumPy and pytest alone.

Each cell is compiled under the converted file's name with its lines where they are in the virtual file,
and those lines are put in linecache, so an error's line and code in a report are the notebook's own.
Before each cell it sends the cell's number as a progress note over the worker's channel (the hook the
worker binds in the module while loading): after a kill for time, the trusted side names that cell.
What it writes itself (a skipped cell, a warning) names "cell N, line M" (in a script, the script's own
"line L": VS Code does not number cells) and starts on a line of its own, even when the student's last
print ended without a newline.

A Python file is run the same way, as a script of cells (`# %%`) or, without markers, as one cell whose
lines are the file's: there the first exception (but a failed import) stops the file as Python would,
what was defined above it is kept, and the failure is recorded in `last_run` for the load's reply. A
SyntaxError or MemoryError in a plain file still fails the load: Python could not compile it, or the
memory limit was reached. In every form a top-level `import` that fails does not stop the statements
after it: the module is named, and so is the import when a later NameError is about a name it binds.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import linecache
import sys
import traceback
import types
import warnings
from collections.abc import Sequence
from typing import Any, TextIO

from grader.sandbox import protocol

Span = tuple[int, int, int]
"""A code cell in the virtual file: its number among the code cells, its first line, how many lines it has."""

STAND_IN_MODULES = (
    "IPython", "IPython.display", "IPython.core", "IPython.core.display",
    "matplotlib_inline", "matplotlib_inline.backend_inline",
)  # fmt: skip
"""What a notebook environment always has: made importable as harmless stand-ins when not installed."""

DISPLAY_NAMES = (
    "display", "clear_output", "set_matplotlib_formats", "HTML", "Markdown", "Image", "Math", "Latex", "get_ipython",
)  # fmt: skip
"""The names the stand-in modules hold, each a function that does nothing."""

IPYTHON_VERSION = (9, 0, 0)
"""The stand-in IPython's version_info: libraries that see IPython loaded (matplotlib) ask which one it is."""

KINDS = ("notebook", "script", "file")
"""What the cells came from: a notebook, a script split by cell markers, or a plain Python file (one cell)."""

last_run: dict[str, Any] = {"raised": None, "imports": [], "defined": {}}
"""What run_cells saw, for the load's reply: a plain file's top-level exception ({"type", "message", "line",
"code"}), each failed import ([module, line, [names it binds]]) and, per function the cells define, the
cells that (re)define it ({name: [cell, ...]}). A worker loads one submission."""


def run_cells(namespace: dict[str, Any], spans: Sequence[Span], lines: Sequence[str], kind: str = "notebook") -> None:
    """Runs each cell in `namespace` (the converted file's module), reporting and skipping one that raises."""
    progress = namespace.pop(protocol.PROGRESS_HOOK, None)
    path = namespace["__file__"]
    install_stand_ins()
    linecache.cache[path] = (sum(map(len, lines)), None, list(lines), path)
    output = _Output(path, spans, lines, kind)
    for number, first, count in spans:
        if progress is not None:
            progress(number)
        before = _functions(namespace, path)
        source = "\n" * (first - 1) + "".join(lines[first - 1 : first - 1 + count])
        try:
            _run_cell(source, path, namespace, output)
        except (SyntaxError, MemoryError) as error:
            if kind != "file":
                output.skipped(number, error)
                continue
            if isinstance(error, SyntaxError) and error.lineno and 0 < error.lineno <= len(lines):
                error.text = lines[error.lineno - 1]  # Python read it from the file at `path`: the converted one
            raise  # nothing of a file that does not compile runs; the memory limit is the load's status
        except (Exception, SystemExit) as error:  # noqa: BLE001 - a student's cell may raise anything: reported
            output.skipped(number, error)
        finally:
            _note_definitions(before, _functions(namespace, path), number)


def _functions(namespace: dict[str, Any], path: str) -> dict[str, Any]:
    """Returns the namespace's functions whose code is the submission's own (not imported ones)."""
    return {
        name: value
        for name, value in namespace.items()
        if type(value) is types.FunctionType and value.__code__.co_filename == path
    }


def _note_definitions(before: dict[str, Any], after: dict[str, Any], number: int) -> None:
    """Records in last_run the cell `number` as one that (re)defined each function it bound anew (bounded)."""
    defined = last_run["defined"]
    for name, function in after.items():
        if before.get(name) is not function and (name in defined or len(defined) < 200):
            cells = defined.setdefault(name[:100], [])
            if len(cells) < 20:
                cells.append(number)


def _run_cell(source: str, path: str, namespace: dict[str, Any], output: _Output) -> None:
    """Runs one cell's source; a top-level import that fails is reported and the statements after it run."""
    code = compile(source, path, "exec")  # a SyntaxError anywhere in the cell: nothing of it runs
    if "import" not in source:
        exec(code, namespace)
        return
    tree = ast.parse(source)
    chunks = _chunks(tree.body)
    if len(chunks) == 1 and not _is_import(chunks[0][0]):
        exec(code, namespace)
        return
    flags = _future_flags(tree.body)
    for chunk in chunks:
        compiled = compile(ast.Module(body=chunk, type_ignores=[]), path, "exec", flags=flags, dont_inherit=True)
        if not _is_import(chunk[0]):
            exec(compiled, namespace)
            continue
        try:
            exec(compiled, namespace)
        except ImportError as error:
            output.import_failed(chunk[0], error)


def _is_import(statement: ast.stmt) -> bool:
    """Returns whether `statement` imports a module (a `from __future__` line is a compiler directive)."""
    return isinstance(statement, ast.Import) or (
        isinstance(statement, ast.ImportFrom) and statement.module != "__future__"
    )


def _chunks(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Returns the statements in runs: each import alone, the statements between imports together."""
    chunks: list[list[ast.stmt]] = []
    for statement in body:
        if _is_import(statement) or not chunks or _is_import(chunks[-1][0]):
            chunks.append([statement])
        else:
            chunks[-1].append(statement)
    return chunks


def _future_flags(body: list[ast.stmt]) -> int:
    """Returns the compiler flags of the cell's `from __future__` imports, kept for each of its runs."""
    flags = 0
    for statement in body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags


def bound_names(statement: ast.stmt) -> list[str]:
    """Returns the names an import statement binds (`import a.b` binds a; `*` binds none we know)."""
    names = statement.names if isinstance(statement, ast.Import | ast.ImportFrom) else []
    bound = [alias.asname or alias.name.split(".")[0] for alias in names]
    return [name for name in bound if name != "*"]


def nothing(*args: Any, **kwargs: Any) -> None:
    """Does nothing: what the stand-ins' display functions do."""


class Shell:
    """What `get_ipython()` gives a notebook's code: IPython's shell, whose commands here do nothing.

    Code exported from Jupyter calls it (`get_ipython().system("pip install x")`); no shell command,
    magic or help lookup runs in a worker.
    """

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def run_line_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return nothing


def install_stand_ins() -> None:
    """Makes IPython's modules and Jupyter's built-in names usable: the real ones when installed, else stand-ins."""
    shell = Shell()
    for name in STAND_IN_MODULES:
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name)
            # A module's get_ipython gives None, as outside a kernel: libraries (matplotlib) ask it whether one runs.
            vars(module).update(dict.fromkeys(DISPLAY_NAMES, nothing), version_info=IPYTHON_VERSION)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)
    if not hasattr(builtins, "display"):
        builtins.display = nothing  # type: ignore[attr-defined]  # a kernel's built-in name
    if not hasattr(builtins, "get_ipython"):
        builtins.get_ipython = lambda: shell  # type: ignore[attr-defined]  # a kernel's built-in name


class _Tracked:
    """A stream that notes whether what was last written to it ended a line."""

    def __init__(self, stream: TextIO, output: _Output):
        self._stream = stream
        self._output = output

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        if text:
            self._output.ended = str(text).endswith("\n")
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Output:
    """Writes the driver's own messages, each on a line of its own, and makes warnings name cells.

    Both stay after loading: a warning a call raises later still names its cell.
    """

    def __init__(self, path: str, spans: Sequence[Span], lines: Sequence[str], kind: str = "notebook"):
        self.path = path
        self.spans = spans
        self.lines = lines
        self.kind = kind
        self.failed_imports: dict[str, str] = {}
        """A name a failed import would have bound → where that import is, as a later NameError names it."""
        self.ended = True
        last_run.update(raised=None, imports=[], defined={})
        sys.stdout = _Tracked(sys.stdout, self)  # type: ignore[assignment]
        sys.stderr = _Tracked(sys.stderr, self)  # type: ignore[assignment]
        warnings.showwarning = self.show_warning

    def where(self, line: int | None) -> tuple[str, str] | None:
        """Returns "cell N, line M" (a script's "line L") and that line's code, indented; None outside cells."""
        for number, first, count in self.spans:
            if line and first <= line < first + count:
                code = self.lines[line - 1].strip()
                place = f"cell {number}, line {line - first + 1}" if self.kind == "notebook" else f"line {line}"
                return place, f"\n    {code}" if code else ""
        return None

    def import_failed(self, statement: ast.stmt, error: ImportError) -> None:
        """Says which import failed and that the cell went on; records it for the load's reply."""
        module = error.name or getattr(statement, "module", None) or "?"
        names = bound_names(statement)
        place, code = self.where(statement.lineno) or (f"line {statement.lineno}", "")
        binds = " or ".join(names) or module
        self.say(
            f"{place} raised {type(error).__name__}: {error}; the grader went on with the next line. {module} is "
            f"not installed where the grader runs your code: if your functions use {binds}, they fail with "
            f"NameError (write them with numpy and the standard library); if not, delete this import{code}"
        )
        for name in names:
            self.failed_imports.setdefault(name, place)
        if len(last_run["imports"]) < 20:
            last_run["imports"].append([str(module)[:100], statement.lineno, names[:10]])

    def say(self, message: str) -> None:
        sys.stderr.write(("" if self.ended else "\n") + message + "\n")

    def show_warning(
        self, message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        found = self.where(lineno) if filename == self.path else None
        if found is None:
            self.say(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n"))
        else:
            self.say(f"{found[0]}: {category.__name__}: {message}{found[1]}")

    def skipped(self, number: int, error: BaseException) -> None:
        """Says where cell `number` raised `error` and what the grader skipped (a plain file: kept)."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == self.path]
        line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
        line = line or (frames[-1].lineno if frames else None)
        cell = self._cell_words(number)
        place, code = self.where(line) or (cell, "")
        message = error.msg if isinstance(error, SyntaxError) else error
        skipped = cell if isinstance(error, SyntaxError) else f"the rest of {cell}"
        if self.kind == "file":
            skipped = "the rest of the file, as Python stops there"
            raised = {"type": type(error).__name__, "message": str(message)[:2000], "line": line}
            last_run["raised"] = {**raised, "code": code.strip()[:200]}
        cause = ""
        if isinstance(error, NameError) and getattr(error, "name", None) in self.failed_imports:
            cause = f" ({error.name} is missing because its import at {self.failed_imports[str(error.name)]} failed)"
        self.say(f"{place} raised {type(error).__name__}: {message}{cause}; the grader skipped {skipped}{code}")

    def _cell_words(self, number: int) -> str:
        """Returns how the student finds cell `number`: "cell N" in a notebook, its lines in a script."""
        if self.kind == "notebook":
            return f"cell {number}"
        first, count = next((f, c) for n, f, c in self.spans if n == number)
        return f"the cell at lines {first}-{first + max(count, 1) - 1}"
