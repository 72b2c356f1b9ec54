"""matplotlib's font list is built once, by the grader, and every fork server that imports pyplot reads it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from grader.sandbox import fontcache
from grader.sandbox.client import Worker
from grader.sandbox.launchers import ForkServerLauncher
from grader.sandbox.limits import Limits

LIMITS = Limits(call_seconds=5, total_seconds=10, memory_mb=400, output_kb=4)


def built(cache: Path, seconds: float = 60) -> list[Path]:
    """Waits for a background build to leave its font list in `cache`; returns what it left."""
    deadline = time.monotonic() + seconds
    while (cache / ".building").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(cache.glob(fontcache.FONT_LISTS))


@pytest.mark.slow
def test_the_first_zygote_without_a_kept_list_has_the_grader_build_one_for_the_next(tmp_path):
    cache, folder = tmp_path / "cache", tmp_path / "zygote" / ".matplotlib"
    assert not fontcache.seed(folder, sys.executable, cache)
    kept = built(cache)
    assert [path.name for path in kept] and not (cache / ".building").exists()
    assert json.loads(kept[0].read_text())["ttflist"], "a font list that names the fonts"
    again = tmp_path / "again" / ".matplotlib"
    assert fontcache.seed(again, sys.executable, cache)
    assert [path.read_bytes() for path in sorted(again.iterdir())] == [path.read_bytes() for path in kept]
    assert not (cache / ".building").exists(), "a list was kept: no second build"


@pytest.mark.slow
def test_a_zygote_that_imports_pyplot_reads_the_kept_list_instead_of_building_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = fontcache.cache_folder()
    fontcache.seed(tmp_path / "first", sys.executable)
    kept = built(cache)[0]
    # A mark no built list has: the worker, forked from the zygote, shows whether the zygote read the kept one.
    marked = json.loads(kept.read_text())
    marked["defaultFamily"]["ttf"] = "Kept Font List"
    kept.write_text(json.dumps(marked))
    launcher = ForkServerLauncher(plotting=True)
    try:
        source = tmp_path / "plots.py"
        source.write_text("from matplotlib import font_manager\nprint(font_manager.fontManager.defaultFamily['ttf'])\n")
        with Worker(source, "sub.py", LIMITS, launcher) as worker:
            assert worker.load().ok
            worker.close()
            assert worker.output.strip() == "Kept Font List"
    finally:
        launcher.close()
