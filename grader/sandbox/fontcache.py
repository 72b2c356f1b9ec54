"""matplotlib's font list, kept for every fork server that imports pyplot.

A zygote's matplotlib folder is new each time (in its scratch folder), so importing pyplot built the font
list anew at every start: 0.12 s of CPU and an `fc-list` run, which a student's `grader check` of a notebook
that plots waited for (a quarter of a second at load 2). The list is kept in the user's cache folder and
copied into each zygote's folder before it starts. It is built by the grader, never by a sandbox: a process
of the grader's own, started in the background the first time none is kept, runs the zygote's interpreter
with its environment (so it lists the same fonts) and imports nothing but matplotlib.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from grader.files import user_cache
from grader.sandbox.limits import worker_environment

FONT_LISTS = "fontlist-*.json"
"""matplotlib's names for its font list, one per version of its format."""

STALE_SECONDS = 300
"""A build folder this old belongs to a build that died: the next start tries again."""

# Imports matplotlib's font manager (which writes its list into MPLCONFIGDIR), then moves the list into the
# cache folder in one rename, so a zygote never copies half a file.
_BUILD = (
    "import glob, os, shutil, sys; import matplotlib.font_manager; "
    "folder, (cache, names, building) = os.environ['MPLCONFIGDIR'], sys.argv[1:]; "
    "[os.replace(p, os.path.join(cache, os.path.basename(p))) for p in glob.glob(os.path.join(folder, names))]; "
    "shutil.rmtree(building)"
)


def cache_folder() -> Path:
    """Returns where font lists are kept."""
    return user_cache("matplotlib")


def seed(folder: Path, python: str, cache: Path | None = None) -> bool:
    """Copies the kept font lists into `folder` (a zygote's MPLCONFIGDIR, made here); returns whether there
    were any. Without one, starts building it in the background for the zygotes after this one."""
    cache = cache or cache_folder()
    kept = sorted(cache.glob(FONT_LISTS)) if cache.is_dir() else []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in kept:
            shutil.copyfile(path, folder / path.name)
    except OSError:
        return False
    if not kept:
        _build(cache, python)
    return bool(kept)


def _build(cache: Path, python: str) -> subprocess.Popen[bytes] | None:
    """Starts building the font list into `cache` with `python`, unless a build is under way; returns it."""
    building = cache / ".building"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        if building.exists() and time.time() - building.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(building, ignore_errors=True)
        os.mkdir(building, 0o700)  # atomic: one build at a time, whichever zygote asked first
    except OSError:
        return None
    home = building / "home"
    home.mkdir()
    environment = worker_environment(str(home))
    try:
        process = subprocess.Popen(
            [python, "-s", "-P", "-c", _BUILD, str(cache), FONT_LISTS, str(building)],
            cwd=home,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        return None
    threading.Thread(target=process.wait, name="font list", daemon=True).start()  # reaped when it ends
    return process
