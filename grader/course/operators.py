"""Returns the sites where mutation operators apply in one function: which node, what goes there, and why.

Each operator is a generator over the function's nodes. A Site replaces one node of the tree: an
expression by another expression, a statement by `pass`, or a `with` statement by its own body. The
replacement nodes may share children with the original: they are only dumped and unparsed, never run.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

SHOWN_CHARS = 70
"""A description shows at most this much of the code before and after."""

ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
}  # fmt: skip
COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}  # fmt: skip
ABS_NAMES = ("abs", "np.abs", "numpy.abs", "np.absolute", "math.fabs")


@dataclass(frozen=True)
class Site:
    """One place an operator changes: the node replaced, the nodes put there, and the change in words."""

    node: ast.expr | ast.stmt
    """The node replaced: an expression or a statement, so it has a position in the source."""
    replacement: tuple[ast.AST, ...]
    operator: str
    description: str
    text: str | None = None
    """The replacement's source when it is not the unparsed replacement (a block kept from the original)."""

    def texts(self, source: str) -> list[str]:
        """Returns the texts to try in place of the node: as unparsed, then in parentheses."""
        if self.text is not None:
            return [self.text]
        plain = "\n".join(ast.unparse(node) for node in self.replacement)
        return [plain] if isinstance(self.node, ast.stmt) else [plain, f"({plain})"]


def sites(function: ast.FunctionDef, source: str) -> Iterator[Site]:
    """Returns every site of every operator in the function's body (its docstring left alone)."""
    body = function.body[1:] if _is_docstring(function.body[0]) else function.body
    nodes = [node for statement in body for node in _code_nodes(statement)]
    context = _Context(function, source, nodes)
    for operator in OPERATORS:
        yield from operator(context)


@dataclass(frozen=True)
class _Context:
    function: ast.FunctionDef
    source: str
    nodes: list[ast.AST]

    def parent(self, node: ast.AST) -> ast.AST:
        """Returns the expression or statement holding `node`, to show a small change in its context."""
        return next((n for n in self.nodes if any(child is node for child in ast.iter_child_nodes(n))), node)

    def code(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def site(self, operator: str, node: ast.expr | ast.stmt, new: ast.AST, before: ast.AST | None = None) -> Site:
        """Returns a site replacing `node` by `new`, described on `before` (default: the node itself)."""
        shown = before if before is not None else node
        if shown is node:
            after = ast.unparse(new)
        else:
            with replaced(shown, node, [new]):
                after = ast.unparse(shown)
        return Site(node, (new,), operator, f"`{_short(self.code(shown))}` → `{_short(after)}`")


def arithmetic(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            yield context.site("arithmetic", node, ast.BinOp(node.left, ARITHMETIC[type(node.op)](), node.right))
        elif isinstance(node, ast.AugAssign) and type(node.op) in ARITHMETIC:
            yield context.site("arithmetic", node, ast.AugAssign(node.target, ARITHMETIC[type(node.op)](), node.value))


def sign(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield context.site("sign", node, node.operand)
        elif isinstance(node, ast.Return) and _returns_a_value(node):
            assert node.value is not None
            if not (isinstance(node.value, ast.UnaryOp) and isinstance(node.value.op, ast.USub)):
                yield context.site("sign", node.value, ast.UnaryOp(ast.USub(), node.value), before=node)


def constant(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(node, ast.Constant) and isinstance(value, (int, float)) and not isinstance(value, bool):
            nudged = (value + 1, value - 1) if isinstance(value, int) else (value * 2, value / 2) if value else (1.0,)
            for new in nudged:
                yield context.site("constant", node, _number(new), before=context.parent(node))


def off_by_one(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        bounds: Sequence[ast.expr | None] = ()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            bounds = node.args
        elif isinstance(node, ast.Subscript):
            bounds = [node.slice.lower, node.slice.upper] if isinstance(node.slice, ast.Slice) else [node.slice]
        for bound in bounds:
            if bound is None or isinstance(bound, (ast.Constant, ast.Slice, ast.Tuple, ast.Starred)):
                continue  # constants are nudged by `constant`; tuples index many axes
            for op in (ast.Add(), ast.Sub()):
                yield context.site("off_by_one", bound, ast.BinOp(bound, op, ast.Constant(1)), before=node)


def comparison(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISONS:
            yield context.site(
                "comparison", node, ast.Compare(node.left, [COMPARISONS[type(node.ops[0])]()], node.comparators)
            )
        elif isinstance(node, ast.BoolOp):
            yield context.site(
                "comparison", node, ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values)
            )


def absolute(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        if isinstance(node, ast.Return) and _returns_a_value(node):
            assert node.value is not None
            if not _is_abs(node.value):
                yield context.site(
                    "abs", node.value, ast.Call(ast.Name("abs", ast.Load()), [node.value], []), before=node
                )
        elif _is_abs(node):
            assert isinstance(node, ast.Call)
            yield context.site("abs", node, node.args[0])


def call(context: _Context) -> Iterator[Site]:
    """A call of one argument replaced by that argument: a conversion or a helper forgotten."""
    for node in context.nodes:
        if isinstance(node, ast.Call) and len(node.args) == 1 and not isinstance(node.args[0], ast.Starred):
            if not _is_abs(node) and _dotted(node.func) != "range":
                yield context.site("call", node, node.args[0])


def swap(context: _Context) -> Iterator[Site]:
    """Neighbouring arguments of a call, or items of a tuple or list (a row's columns), swapped."""
    for node in context.nodes:
        if isinstance(node, ast.Call):
            items, rebuild = node.args, lambda items, node=node: ast.Call(node.func, items, node.keywords)
        elif isinstance(node, (ast.Tuple, ast.List)) and isinstance(node.ctx, ast.Load):
            items, rebuild = node.elts, lambda items, node=node: type(node)(items, ast.Load())
        else:
            continue
        if any(isinstance(item, ast.Starred) for item in items):
            continue
        for i in range(len(items) - 1):
            if ast.dump(items[i]) != ast.dump(items[i + 1]):
                swapped = [*items[:i], items[i + 1], items[i], *items[i + 2 :]]
                yield context.site("swap", node, rebuild(swapped))


def keyword(context: _Context) -> Iterator[Site]:
    for node in context.nodes:
        if isinstance(node, ast.Call):
            for index, dropped in enumerate(node.keywords):
                if dropped.arg is not None:
                    kept = node.keywords[:index] + node.keywords[index + 1 :]
                    yield context.site("keyword", node, ast.Call(node.func, node.args, kept))


def earlier_value(context: _Context) -> Iterator[Site]:
    """The return value replaced by one of its operands, or by another local variable."""
    local = _assigned_names(context.function)
    for node in context.nodes:
        if not (isinstance(node, ast.Return) and _returns_a_value(node)):
            continue
        value = node.value
        assert value is not None
        if isinstance(value, ast.BinOp):
            earlier: list[ast.expr] = [value.left, value.right]
        elif isinstance(value, ast.Name):
            earlier = [ast.Name(name, ast.Load()) for name in local if name != value.id]
        else:
            continue
        for new in earlier:
            yield context.site("earlier_value", value, new, before=node)


def statement(context: _Context) -> Iterator[Site]:
    """A statement removed (replaced by `pass`); a `with` statement's line removed, its body kept."""
    for node in context.nodes:
        if not isinstance(node, ast.stmt) or isinstance(node, ast.Pass):
            continue
        first = _short(context.code(node).splitlines()[0])
        if isinstance(node, (ast.With, ast.AsyncWith)):
            text = _dedented_body(context.source, node)
            yield Site(node, tuple(node.body), "statement", f"`{first}` removed, its body kept", text)
        else:
            block = " with its body" if hasattr(node, "body") else ""
            yield Site(node, (ast.Pass(),), "statement", f"`{first}` removed{block}")


OPERATORS: tuple[Callable[[_Context], Iterator[Site]], ...] = (
    arithmetic, sign, constant, off_by_one, comparison, absolute, call, swap, keyword, earlier_value, statement,
)  # fmt: skip


# -- helpers -------------------------------------------------------------------------------------------------


def _code_nodes(statement: ast.stmt) -> Iterator[ast.AST]:
    """Returns the statement and every node under it, except inside f-strings (their positions are unreliable)."""
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop(0)
        yield node
        if not isinstance(node, ast.JoinedStr):
            pending[:0] = list(ast.iter_child_nodes(node))


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _returns_a_value(node: ast.Return) -> bool:
    return node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_abs(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _dotted(node.func) in ABS_NAMES and len(node.args) == 1


def _number(value: float) -> ast.expr:
    """Returns a number as the parser builds it: a negative one is a minus applied to a constant."""
    return ast.UnaryOp(ast.USub(), ast.Constant(-value)) if value < 0 else ast.Constant(value)


def _assigned_names(function: ast.FunctionDef) -> list[str]:
    """Returns the function's local variables (not its parameters), in the order they are first bound."""
    names: dict[str, None] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.setdefault(node.id, None)
    return list(names)


@contextlib.contextmanager
def replaced(tree: ast.AST, old: ast.AST, new: Sequence[ast.AST]) -> Iterator[None]:
    """Puts `new` in place of the node `old` inside `tree` for the duration of the block, then puts it back."""
    parent, field, index = _parent_of(tree, old)
    kept = getattr(parent, field)
    setattr(parent, field, new[0] if index is None else kept[:index] + list(new) + kept[index + 1 :])
    try:
        yield
    finally:
        setattr(parent, field, kept)


def _parent_of(tree: ast.AST, target: ast.AST) -> tuple[ast.AST, str, int | None]:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is target:
                return parent, field, None
            if isinstance(value, list) and any(item is target for item in value):
                return parent, field, next(i for i, item in enumerate(value) if item is target)
    raise LookupError("the node is not in the tree")


def _dedented_body(source: str, node: ast.With | ast.AsyncWith) -> str:
    """Returns the text of a with statement's body moved left to the statement's own indentation."""
    lines = source.encode().splitlines(keepends=True)
    body = b"".join(lines[node.body[0].lineno - 1 : node.body[-1].end_lineno]).decode().rstrip("\n")
    delta = node.body[0].col_offset - node.col_offset
    moved = [line[delta:] if not line[:delta].strip() else line for line in body.split("\n")]
    return "\n".join(moved)[node.col_offset :]


def _short(code: str) -> str:
    one_line = " ".join(code.split())
    return one_line if len(one_line) <= SHOWN_CHARS else one_line[: SHOWN_CHARS - 1] + "…"
