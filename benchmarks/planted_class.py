"""Returns a planted class for the similarity benchmark: distinct gd1d solutions and disguised copies.

Each distinct solution picks, for each of the five functions, one of several ways students write it (a
formula or a numerical derivative, a preallocated array or a list of rows, a while loop, a generator,
a helper for the update, a class), its own names, comments and operator spacing, and maybe a helper, a
main guard or type hints. Copies are made from five of them with more effort each: renamed names; then
reordered functions; then new comments and new spacing; then swapped independent statements; then dead
code added.
"""

# ruff: noqa: E501  # the ways students write a function read best one line of source per line of code

from __future__ import annotations

import ast
import random
import re

DERIVATIVE = [
    "def derivative(x):\n    return 6 * x - 3\n",
    "def derivative(x):\n    return 3 * (2 * x - 1)\n",
    "def derivative({x}):\n    {h} = 1e-6\n    return (loss({x} + {h}) - loss({x} - {h})) / (2 * {h})\n",
    "def derivative({x}):\n    return np.polyval([6.0, -3.0], {x})\n",
    "def derivative({x}):\n    {a}, {b} = 3.0, -3.0\n    return 2 * {a} * {x} + {b}\n",
]
FIXED = [
    "def fixed_lr(base_lr, epoch, n_epochs, grad):\n    return base_lr\n",
    "def fixed_lr(base_lr, epoch, n_epochs, grad):\n    del epoch, n_epochs, grad\n    return float(base_lr)\n",
    "fixed_lr = lambda base_lr, epoch, n_epochs, grad: base_lr\n",
]
DECAY = [
    "def time_decay_lr(base_lr, epoch, n_epochs, grad):\n    return base_lr * (1 - (epoch + 1) / n_epochs)\n",
    "def time_decay_lr(base_lr, epoch, n_epochs, grad):\n    {f} = (epoch + 1) / n_epochs\n"
    "    return base_lr - base_lr * {f}\n",
    "def time_decay_lr(base_lr, epoch, n_epochs, grad):\n    {left} = n_epochs - epoch - 1\n"
    "    return base_lr * {left} / n_epochs\n",
    "def time_decay_lr(base_lr, epoch, n_epochs, grad):\n    return np.float64(base_lr) * (1.0 - np.divide(epoch + 1, n_epochs))\n",
]
GRADIENT = [
    "def gradient_lr(base_lr, epoch, n_epochs, grad):\n    return base_lr * abs(grad)\n",
    "def gradient_lr(base_lr, epoch, n_epochs, grad):\n    return base_lr * np.abs(grad)\n",
    "def gradient_lr(base_lr, epoch, n_epochs, grad):\n    if grad < 0:\n        return -grad * base_lr\n"
    "    return grad * base_lr\n",
    "def gradient_lr(base_lr, epoch, n_epochs, grad):\n    {m} = grad if grad >= 0 else -grad\n    return {m} * base_lr\n",
]
DESCENT = [
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {x} = np.float64(x0)\n"
    "    {hist} = np.zeros((n_epochs, 3))\n    for {i} in range(n_epochs):\n        {g} = derivative({x})\n"
    "        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n        {x} = {x} - {r} * {g}\n"
    "        {hist}[{i}] = [{x}, {g}, {r}]\n    return {hist}\n",
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {rows} = []\n    {x} = np.float64(x0)\n"
    "    for {i} in range(n_epochs):\n        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n"
    "        {x} -= {r} * {g}\n        {rows}.append(({x}, {g}, {r}))\n"
    "    return np.array({rows}, dtype=np.float64).reshape(n_epochs, 3)\n",
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {x} = np.float64(x0)\n"
    "    {hist} = np.empty((n_epochs, 3), dtype=np.float64)\n    {i} = 0\n    while {i} < n_epochs:\n"
    "        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n"
    "        {x} = {x} - {r} * {g}\n        {hist}[{i}, 0] = {x}\n        {hist}[{i}, 1] = {g}\n"
    "        {hist}[{i}, 2] = {r}\n        {i} += 1\n    return {hist}\n",
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {xs}, {gs}, {rs} = [], [], []\n"
    "    {x} = np.float64(x0)\n    for {i} in range(n_epochs):\n        {g} = derivative({x})\n"
    "        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n        {x} = {x} - {r} * {g}\n        {xs}.append({x})\n"
    "        {gs}.append({g})\n        {rs}.append({r})\n    return np.column_stack([{xs}, {gs}, {rs}])\n",
    "def {step}({x}, {i}, learning_rate, n_epochs, schedule):\n    {g} = derivative({x})\n"
    "    {r} = schedule(learning_rate, {i}, n_epochs, {g})\n    return {x} - {r} * {g}, {g}, {r}\n\n\n"
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {x} = np.float64(x0)\n    {rows} = []\n"
    "    for {i} in range(n_epochs):\n        {x}, {g}, {r} = {step}({x}, {i}, learning_rate, n_epochs, schedule)\n"
    "        {rows}.append([{x}, {g}, {r}])\n    return np.asarray({rows}, dtype=float)\n",
    "def {walk}(x0, learning_rate, n_epochs, schedule):\n    {x} = np.float64(x0)\n    for {i} in range(n_epochs):\n"
    "        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n        {x} = {x} - {r} * {g}\n"
    "        yield {x}, {g}, {r}\n\n\n"
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n"
    "    return np.array(list({walk}(x0, learning_rate, n_epochs, schedule)), dtype=np.float64).reshape(-1, 3)\n",
    "class {opt}:\n    def __init__(self, x0, schedule):\n        self.x = np.float64(x0)\n        self.schedule = schedule\n\n"
    "    def step(self, learning_rate, epoch, n_epochs):\n        {g} = derivative(self.x)\n"
    "        {r} = self.schedule(learning_rate, epoch, n_epochs, {g})\n        self.x = self.x - {r} * {g}\n"
    "        return [self.x, {g}, {r}]\n\n\n"
    "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):\n    {o} = {opt}(x0, schedule)\n"
    "    return np.array([{o}.step(learning_rate, {i}, n_epochs) for {i} in range(n_epochs)])\n",
]
EXTRAS = [
    "\n\nif __name__ == '__main__':\n    print(gradient_descent(2.0, 0.1, {n}))\n",
    "\n\ndef plot_history({hist}):\n    import matplotlib.pyplot as plt\n    plt.plot({hist}[:, 0], label='x')\n"
    "    plt.legend()\n    plt.show()\n",
    "\n\ndef check({hist}, {n2}):\n    assert {hist}.shape == ({n2}, 3)\n    return np.all(np.isfinite({hist}))\n",
    "\n\n# print(derivative(1.0))\n# print(gradient_descent(2.0, 0.1, 2))\n",
]
WORDS = ["x", "val", "cur", "pos", "point", "g", "grad_now", "slope", "d", "r", "lr", "rate", "step_size", "eta",
         "i", "k", "t", "epoch_i", "hist", "history", "out", "table", "result", "rows", "records", "log", "xs", "gs",
         "rs", "xs_list", "grads", "rates", "h", "eps", "a", "b", "m", "frac", "left", "o", "opt", "n2"]  # fmt: skip
SLOTS = ["x", "h", "a", "b", "f", "left", "m", "hist", "i", "g", "r", "rows", "xs", "gs", "rs", "o", "n2"]
COMMENTS = ["update x", "the slope", "store the row", "see lecture 2", "per the TA", "TODO tidy up", "step",
            "learning rate", "history table", "f'(x) = 6x - 3"]  # fmt: skip
HEADER = '"""Gradient descent on f(x) = 3x^2 - 3x + 4."""\n\nimport numpy as np\n\n\ndef loss(x):\n' \
         "    return 3 * x**2 - 3 * x + 4\n"  # fmt: skip
TAIL = "\n\ndef random_start(rng):\n    return float(rng.choice(np.linspace(-2, 2, 2001)))\n"
CHOICES = (DERIVATIVE, FIXED, DECAY, GRADIENT, DESCENT)


def distinct_solutions(count: int, rng: random.Random) -> list[str]:
    """Returns `count` solutions, no two with the same choice of the five ways."""
    seen: set[tuple[int, ...]] = set()
    found = []
    while len(found) < count:
        choice = tuple(rng.randrange(len(ways)) for ways in CHOICES)
        if choice not in seen:
            seen.add(choice)
            found.append(solution(choice, rng))
    return found


def solution(choice: tuple[int, ...], rng: random.Random) -> str:
    """Returns one student's file for the chosen ways, in that student's names, comments and spacing."""
    names = dict(zip(SLOTS, rng.sample(WORDS, len(SLOTS)), strict=True))
    names |= {"step": rng.choice(["do_step", "one_step", "update"]), "walk": rng.choice(["steps", "run", "walker"])}
    names["opt"] = rng.choice(["Descent", "Optimizer", "GD"])
    parts = [HEADER]
    for ways, index in zip(CHOICES, choice, strict=True):
        parts.append("\n\n" + ways[index].format(**names))
    for extra in rng.sample(EXTRAS, rng.randint(0, 2)):
        parts.append(extra.format(**names, n=rng.randint(2, 9)))
    code = "".join(parts) + TAIL
    lines = code.split("\n")
    for _ in range(rng.randint(0, 4)):
        at = rng.randrange(1, len(lines))
        if lines[at].startswith("    ") and not lines[at - 1].rstrip().endswith("\\"):
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
            lines.insert(at, f"{indent}# {rng.choice(COMMENTS)}")
    code = "\n".join(lines)
    if rng.random() < 0.4:
        code = re.sub(r" ([*+/-]) ", r"\1", code)
    return code


def disguised(code: str, effort: int, rng: random.Random) -> str:
    """Returns a copy of `code` disguised with effort 1 to 5 (see the module docstring)."""
    code = renamed(code, rng)
    if effort >= 2:
        code = reordered_functions(code, rng)
    if effort >= 4:
        code = ast.unparse(swapped_statements(ast.parse(code)))
    elif effort >= 3:
        code = ast.unparse(ast.parse(code))  # new spacing, comments gone
    if effort >= 5:
        code = with_dead_code(code, rng)
    if effort >= 3:
        code = commented(code, rng)
    return code


def renamed(code: str, rng: random.Random) -> str:
    """Returns `code` with every name it binds itself (not the five functions tests call) renamed."""
    tree = ast.parse(code)
    keep = {"loss", "derivative", "fixed_lr", "time_decay_lr", "gradient_lr", "gradient_descent", "random_start",
            "np", "self", "rng"}  # fmt: skip
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    bound |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    for name in sorted(bound - keep, key=len, reverse=True):
        if not name.startswith("__"):
            new = "my_" + "".join(rng.sample("abcdefghijklmnopqrstuvwxyz", 5))
            code = re.sub(rf"(?<![.\w]){re.escape(name)}\b", new, code)
    return code


def reordered_functions(code: str, rng: random.Random) -> str:
    """Returns `code` with its top-level definitions in another order (imports stay first)."""
    tree = ast.parse(code)
    lines = code.split("\n")
    pieces = ["\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in tree.body]
    head = [piece for node, piece in zip(tree.body, pieces, strict=True) if isinstance(node, ast.Import | ast.Expr)]
    rest = [piece for node, piece in zip(tree.body, pieces, strict=True) if not isinstance(node, ast.Import | ast.Expr)]
    main = [piece for piece in rest if piece.startswith("if __name__")]
    rest = [piece for piece in rest if piece not in main]
    order = list(reversed(rest))
    rng.shuffle(order)
    # A default argument (schedule=fixed_lr) is read when its def runs: that def still comes after fixed_lr.
    order.sort(key=lambda piece: "=fixed_lr" in piece.replace(" ", ""))
    return "\n\n\n".join(head + order + main) + "\n"


def swapped_statements(tree: ast.Module) -> ast.Module:
    """Returns `tree` with each pair of adjacent independent statements in a function body swapped."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.For | ast.While):
            body, at = node.body, 0
            while at + 1 < len(body):
                if _independent(body[at], body[at + 1]):
                    body[at], body[at + 1] = body[at + 1], body[at]
                    at += 2
                else:
                    at += 1
    return tree


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    if not all(isinstance(s, ast.Assign | ast.AugAssign | ast.Expr) for s in (first, second)):
        return False
    if any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in (first, second)):
        return False  # a docstring stays first

    def names(statement: ast.stmt, stored: bool) -> set[str]:
        return {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) == stored}

    written = names(first, True) | names(second, True)
    return not (names(first, True) & (names(second, False) | names(second, True))) and not (
        names(second, True) & names(first, False)
    ) and bool(written) and not any(isinstance(s, ast.Expr) for s in (first, second))  # fmt: skip


def with_dead_code(code: str, rng: random.Random) -> str:
    """Returns `code` with an unused helper, unused variables and a branch that never runs."""
    lines = code.split("\n")
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("def ") and rng.random() < 0.7:
            out.append(f"    unused_{rng.randint(10, 99)} = {rng.randint(0, 9)}")
        if line.startswith("def ") and rng.random() < 0.3:
            out.append("    if False:\n        print('debug')")
    helper = "\n\ndef _debug_print(value):\n    text = str(value)\n    print(text)\n    return text\n"
    return "\n".join(out) + helper


def commented(code: str, rng: random.Random) -> str:
    """Returns `code` with a new comment above some of its indented lines and blank lines moved."""
    out = []
    for line in code.split("\n"):
        if line.startswith("    ") and rng.random() < 0.25:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# {rng.choice(['my own idea', 'compute it', 'careful here', 'works'])}")
        out.append(line)
        if line.startswith("def ") and rng.random() < 0.3:
            out.append("")
    return "\n".join(out)


def planted_class(distinct: int = 32, seed: int = 25) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Returns student → code for `distinct` solutions and five disguised copies, and the (original, copy) pairs."""
    rng = random.Random(seed)
    codes = {f"s{index:02d}": code for index, code in enumerate(distinct_solutions(distinct, rng))}
    originals = rng.sample(sorted(codes), 5)
    planted = []
    for effort, original in enumerate(originals, start=1):
        copy = f"s{distinct + effort - 1:02d}"
        codes[copy] = disguised(codes[original], effort, rng)
        planted.append((min(original, copy), max(original, copy)))
    return codes, planted
