"""Benchmark the similarity check: `grader similarity` against plain copydetect on N generated submissions.

    /usr/bin/time -v python benchmarks/similarity.py --n 1000      # the issue's figure
    python benchmarks/similarity.py --n 60                          # a smoke run

It writes N short gd1d-style submissions (the starter with its functions filled in, each function in
one of several ways students write it, their own names, comments and spacing; about 2% are disguised
copies of another: names renamed, comments rewritten), then runs, each in a fresh process measured by
/usr/bin/time -v: `grader similarity` (LSH candidates, then copydetect on those) and plain copydetect's
CopyDetector on the same files with the same starter as boilerplate. It prints wall time and peak memory
side by side, their ratio, and how many of copydetect's pairs over the floor the grader also found.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
STARTER = PROJECT / "assignments" / "gd1d" / "starter" / "gradient_descent.py"

BODIES = {
    "derivative": [
        "    return 6 * {x} - 3\n",
        "    {g} = 6.0 * {x}\n    return {g} - 3.0\n",
        "    return 3 * (2 * {x} - 1)\n",
        "    {g} = 2 * 3 * {x} - 3  # {c}\n    return {g}\n",
    ],
    "fixed_lr": ["    return base_lr\n", "    {g} = base_lr\n    return {g}\n", "    return float(base_lr)\n"],
    "time_decay_lr": [
        "    return base_lr * (1 - (epoch + 1) / n_epochs)\n",
        "    {g} = (epoch + 1) / n_epochs\n    return base_lr * (1.0 - {g})\n",
        "    return base_lr - base_lr * (epoch + 1) / n_epochs  # {c}\n",
    ],
    "gradient_lr": [
        "    return base_lr * abs(grad)\n",
        "    return base_lr * np.abs(grad)\n",
        "    {g} = abs(grad)  # {c}\n    return {g} * base_lr\n",
    ],
    "gradient_descent": [
        "    {x} = np.float64(x0)\n    {h} = np.zeros((n_epochs, 3))\n    for {i} in range(n_epochs):\n"
        "        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n"
        "        {x} = {x} - {r} * {g}\n        {h}[{i}] = [{x}, {g}, {r}]\n    return {h}\n",
        "    {h} = []\n    {x} = np.float64(x0)\n    for {i} in range(n_epochs):\n        # {c}\n"
        "        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n"
        "        {x} -= {r} * {g}\n        {h}.append(({x}, {g}, {r}))\n"
        "    return np.array({h}, dtype=np.float64).reshape(n_epochs, 3)\n",
        "    {x} = np.float64(x0)\n    {h} = np.empty((n_epochs, 3), dtype=np.float64)\n    {i} = 0\n"
        "    while {i} < n_epochs:\n        {g} = derivative({x})\n"
        "        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n        {x} = {x} - {r} * {g}\n"
        "        {h}[{i}, 0], {h}[{i}, 1], {h}[{i}, 2] = {x}, {g}, {r}\n        {i} += 1\n    return {h}\n",
        "    {x} = np.float64(x0)\n    {xs}, {gs}, {rs} = [], [], []\n    for {i} in range(n_epochs):\n"
        "        {g} = derivative({x})\n        {r} = schedule(learning_rate, {i}, n_epochs, {g})\n"
        "        {x} = {x} - {r} * {g}  # {c}\n        {xs}.append({x})\n        {gs}.append({g})\n"
        "        {rs}.append({r})\n    return np.column_stack([{xs}, {gs}, {rs}])\n",
    ],
}
NAMES = ["x", "g", "h", "i", "r", "xs", "gs", "rs"]
WORDS = ["value", "cur", "step", "hist", "k", "rate", "grad_val", "lr_now", "out", "pos", "slope", "t", "res"]
COMMENTS = ["update x", "the slope", "store the row", "see lecture 2", "fixed per the TA", "TODO tidy", "step"]
HELPERS = [
    "\n\ndef _row({a}, {b}, {c}):\n    return [{a}, {b}, {c}]\n",
    "\n\ndef check_shape({a}):\n    assert {a}.shape[1] == 3, 'bad shape'\n    return True\n",
    "\n\nif __name__ == '__main__':\n    print(gradient_descent(2.0, 0.1, {n}))\n",
    "\n\n# quick test\n# print(derivative(1.0))\n",
    "\n\ndef plot_history({a}):\n    import matplotlib.pyplot as plt\n    plt.plot({a}[:, 0])\n    plt.show()\n",
]


def student_code(rng: random.Random, starter: str) -> str:
    """Returns a submission: the starter with each NotImplementedError replaced by a body in one student's style."""
    names = {name: rng.choice(WORDS) + rng.choice(["", "_", "1", "2"]) for name in NAMES}
    code = starter
    for function, variants in BODIES.items():
        body = rng.choice(variants).format(**names, c=rng.choice(COMMENTS))
        if rng.random() < 0.3:
            body = "    # " + rng.choice(COMMENTS) + "\n" + body
        code = re.sub(rf'    raise NotImplementedError\("{function}:[^\n]*\n', lambda _: body, code, count=1)  # noqa: B023
    for helper in rng.sample(HELPERS, rng.randint(0, 2)):
        a, b, c = rng.sample(WORDS, 3)
        code += helper.format(a=a, b=b, c=c, n=rng.randint(2, 9))
    return code


def disguise(code: str, rng: random.Random) -> str:
    """Returns a copy with local names renamed and comments rewritten, as a student hiding a copy would."""
    for word in sorted(set(re.findall(r"\b(?:" + "|".join(WORDS) + r")\w?\b", code)), key=len, reverse=True):
        code = re.sub(rf"\b{re.escape(word)}\b", "my_" + word[::-1].strip("_"), code)
    return re.sub(r"#[^\n]*", lambda _: "# " + rng.choice(["mine", "own work", "rewritten", "note"]), code)


def write_class(folder: Path, n: int, seed: int = 1) -> list[tuple[str, str]]:
    """Writes N submissions into `folder` (one file per student); returns the (copy, original) pairs made."""
    rng = random.Random(seed)
    starter = STARTER.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    codes: dict[str, str] = {}
    copies = []
    for index in range(n):
        student = f"s{index:05d}"
        if index > 10 and rng.random() < 0.02:
            original = rng.choice(sorted(codes))
            codes[student] = disguise(codes[original], rng)
            copies.append((student, original))
        else:
            codes[student] = student_code(rng, starter)
        (folder / f"{student}.py").write_text(codes[student], encoding="utf-8")
    return copies


PLAIN = """
import sys, glob
from copydetect import CopyDetector
files = sorted(glob.glob(sys.argv[1] + "/*.py"))
detector = CopyDetector(boilerplate_dirs=[sys.argv[2]], noise_t=25, guarantee_t=30, display_t=float(sys.argv[3]),
                        extensions=["py"], silent=True, disable_filtering=False)
for path in files:
    detector.add_file(path)
detector.run()
with open(sys.argv[4], "w") as out:
    for sim_a, sim_b, a, b, *_ in detector.get_copied_code_list():
        out.write(f"{min(a, b)},{max(a, b)},{max(sim_a, sim_b)}\\n")
"""


def measured(command: list[str]) -> tuple[float, float]:
    """Returns (wall seconds, peak resident MB) of `command`, from /usr/bin/time -v."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, cwd=PROJECT)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert wall and peak, result.stderr
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    return seconds, int(peak[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--floor", type=float, default=0.9)
    parser.add_argument("--no-plain", action="store_true", help="skip plain copydetect (slow for large N)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        copies = write_class(root / "class", args.n)
        (root / "starter").mkdir()
        (root / "starter" / "starter.py").write_bytes(STARTER.read_bytes())
        grader = [sys.executable, "-m", "grader", "similarity", str(root / "class"), "-a", "gd1d",
                  "-o", str(root / "out"), "--floor", str(args.floor)]  # fmt: skip
        ours = measured(grader)
        with (root / "out" / "similarity.csv").open() as file:
            found = {(row["student_a"], row["student_b"]) for row in csv.DictReader(file)}
        print(f"{args.n} submissions, {len(copies)} disguised copies, floor {args.floor}")
        print(f"{'':28}{'seconds':>10}{'peak MB':>10}{'pairs':>8}")
        print(f"{'grader similarity':28}{ours[0]:10.1f}{ours[1]:10.0f}{len(found):8}")
        caught = sum((min(a, b), max(a, b)) in found for a, b in copies)
        print(f"disguised copies listed by grader similarity: {caught} of {len(copies)}")
        if args.no_plain:
            return
        listing = root / "plain.csv"
        plain_command = [sys.executable, "-c", PLAIN, str(root / "class"), str(root / "starter"), str(args.floor)]
        plain = measured([*plain_command, str(listing)])
        expected = {
            (Path(a).stem, Path(b).stem) for a, b, _ in (line.split(",") for line in listing.read_text().splitlines())
        }
        print(f"{'plain copydetect (all pairs)':28}{plain[0]:10.1f}{plain[1]:10.0f}{len(expected):8}")
        print(f"ratio grader/plain: {ours[0] / plain[0]:.2f}x time, {ours[1] / plain[1]:.2f}x peak memory")
        both = len(found & expected)
        print(f"plain copydetect's pairs over the floor also found: {both} of {len(expected)}")


if __name__ == "__main__":
    main()
