"""Benchmark how `grader similarity` ranks disguised copies, against plain copydetect and Dolos.

    python benchmarks/similarity_planted.py                           # Dolos from DOLOS_DIR if installed
    python benchmarks/similarity_planted.py --dolos-dir /tmp/dolos    # after `npm install @dodona/dolos-lib` there

The class (benchmarks/planted_class.py): 32 distinct gd1d solutions in different styles and 5 copies of
five of them, disguised with more effort each (renamed; + reordered functions; + new comments and
spacing; + swapped statements; + dead code). Each tool ranks every pair, the gd1d starter as
boilerplate. Printed per tool: how many copies are in its top 5 (recall at 5; with 5 copies, also the
precision at 5), the rank of the last copy, average precision, and at the floor --floor: pairs listed,
copies among them, precision.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planted_class import planted_class  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
STARTER = PROJECT / "assignments" / "gd1d" / "starter" / "gradient_descent.py"

COPYDETECT = """
import sys, glob
from copydetect import CopyDetector
detector = CopyDetector(boilerplate_dirs=[sys.argv[2]], extensions=["py"], display_t=0.0, silent=True)
for path in sorted(glob.glob(sys.argv[1] + "/*.py")):
    detector.add_file(path)
detector.run()
for sim_a, sim_b, a, b, *_ in detector.get_copied_code_list():
    print(f"{a},{b},{max(sim_a, sim_b)}")
"""
# Dolos's own defaults (k-gram length, window), the starter given as the template its CLI's -i takes.
DOLOS = """
import { Dolos } from "@dodona/dolos-lib";
const [folder, starter, ...files] = process.argv.slice(1);
const report = await new Dolos({ language: "python" }).analyzePaths(files, starter);
for (const pair of report.allPairs()) {
  console.log(`${pair.leftFile.path},${pair.rightFile.path},${pair.similarity}`);
}
"""


def ranked_ours(folder: Path, out: Path) -> list[tuple[frozenset[str], float]]:
    command = [sys.executable, "-m", "grader", "similarity", str(folder), "-a", "gd1d", "-o", str(out), "--floor", "0"]
    subprocess.run(command, check=True, capture_output=True, cwd=PROJECT)
    with (out / "similarity.csv").open(newline="") as file:
        return [
            (frozenset((row["student_a"], row["student_b"])), float(row["similarity"])) for row in csv.DictReader(file)
        ]


def ranked_lines(output: str) -> list[tuple[frozenset[str], float]]:
    pairs = []
    for line in output.splitlines():
        a, b, score = line.rsplit(",", 2)
        pairs.append((frozenset((Path(a).stem, Path(b).stem)), float(score)))
    # Ties broken by the pair's names, so a tool's order does not depend on its output order.
    return sorted(pairs, key=lambda pair: (-pair[1], sorted(pair[0])))


def ranked_copydetect(folder: Path, starter_dir: Path) -> list[tuple[frozenset[str], float]]:
    command = [sys.executable, "-c", COPYDETECT, str(folder), str(starter_dir)]
    return ranked_lines(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def ranked_dolos(folder: Path, starter: Path, dolos_dir: Path) -> list[tuple[frozenset[str], float]] | str:
    if not (dolos_dir / "node_modules" / "@dodona" / "dolos-lib").is_dir():
        return f"not run: no @dodona/dolos-lib under {dolos_dir}"
    files = [str(path) for path in sorted(folder.glob("*.py"))]
    command = ["node", "--input-type=module", "-e", DOLOS, str(folder), str(starter), *files]
    result = subprocess.run(command, capture_output=True, text=True, cwd=dolos_dir)
    if result.returncode != 0:
        return f"not run: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}"
    return ranked_lines(result.stdout)


def figures(ranked: list[tuple[frozenset[str], float]], planted: set[frozenset[str]], floor: float) -> str:
    order = [pair for pair, _ in ranked]
    ranks = sorted(order.index(pair) + 1 for pair in planted if pair in order)
    top5 = sum(rank <= 5 for rank in ranks)
    average_precision = sum((found + 1) / rank for found, rank in enumerate(ranks)) / len(planted)
    listed = [pair for pair, score in ranked if score >= floor]
    caught = sum(pair in planted for pair in listed)
    precision = caught / len(listed) if listed else 0.0
    last = str(ranks[-1]) if len(ranks) == len(planted) else "-"
    return (f"{top5}/{len(planted)} = {top5 / len(planted):.2f}   {last:>9}   {average_precision:7.3f}   "
            f"{len(listed):6} {caught:6} {precision:9.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=float, default=0.9, help="the floor for precision (grader's default)")
    parser.add_argument("--dolos-dir", type=Path, default=Path(os.environ.get("DOLOS_DIR", "/tmp/dolos")))
    parser.add_argument("--seed", type=int, default=25)
    args = parser.parse_args()
    codes, planted_pairs = planted_class(seed=args.seed)
    planted = {frozenset(pair) for pair in planted_pairs}
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        (root / "class").mkdir()
        for student, code in codes.items():
            (root / "class" / f"{student}.py").write_text(code, encoding="utf-8")
        (root / "starter").mkdir()
        (root / "starter" / "starter.py").write_bytes(STARTER.read_bytes())
        results = {
            "grader similarity": ranked_ours(root / "class", root / "out"),
            "plain copydetect": ranked_copydetect(root / "class", root / "starter"),
            "Dolos (dolos-lib)": ranked_dolos(root / "class", STARTER, args.dolos_dir),
        }
    print(
        f"{len(codes) - len(planted)} distinct solutions, {len(planted)} disguised copies (effort 1-5), "
        f"seed {args.seed}"
    )
    print(f"{'':20}{'recall@5':>10}   last copy   avg prec   listed copies precision (floor {args.floor})")
    for tool, ranked in results.items():
        print(f"{tool:20}{ranked if isinstance(ranked, str) else figures(ranked, planted, args.floor)}")
    for effort, pair in enumerate(planted_pairs, start=1):
        ranks = [
            str([p for p, _ in ranked].index(frozenset(pair)) + 1) if not isinstance(ranked, str) else "-"
            for ranked in results.values()
        ]
        print(f"copy of effort {effort} {'-'.join(pair)}: rank " + " / ".join(ranks))


if __name__ == "__main__":
    random.seed(0)
    main()
