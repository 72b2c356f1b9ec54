"""Tests that the plot cache draws each distinct plot once, keeps memory bounded, and keeps every plot on disk."""

from __future__ import annotations

import pytest

import grader.reports.plotcache
import grader.reports.plots
from grader.reports.plotcache import SvgCache, folder_size
from grader.results import Panel, Plot, Series


def plot_of(value: float) -> Plot:
    panel = Panel("x", "linear", (Series("run", "tab:blue", (1.0, value), is_reference=False),))
    return Plot(f"run ending at {value}", "", (panel,))


@pytest.fixture
def drawn(monkeypatch) -> list[Plot]:
    """Records each plot actually drawn, drawn as a stand-in SVG (the cache, not matplotlib, is tested)."""
    calls: list[Plot] = []

    def render_svg(plot: Plot, frames: object = None) -> str:
        calls.append(plot)
        return f"<svg>{plot.title}</svg>"

    monkeypatch.setattr(grader.reports.plots, "render_svg", render_svg)
    return calls


def test_the_same_plot_is_drawn_once(drawn):
    cache = SvgCache()
    assert cache.svg(plot_of(2.0)) == cache.svg(plot_of(2.0)) == "<svg>run ending at 2.0</svg>"
    assert len(drawn) == 1


def test_memory_holds_at_most_its_bound_however_many_plots(drawn):
    cache = SvgCache(memory_entries=3)
    for value in range(50):
        cache.svg(plot_of(float(value)))
    assert cache.in_memory == 3
    assert len(drawn) == 50


def test_the_least_recently_used_plot_leaves_memory_first(drawn):
    cache = SvgCache(memory_entries=2)
    cache.svg(plot_of(1.0))
    cache.svg(plot_of(2.0))
    cache.svg(plot_of(1.0))  # used again: 2.0 is now the oldest
    cache.svg(plot_of(3.0))
    drawn.clear()
    cache.svg(plot_of(1.0))
    assert drawn == []
    cache.svg(plot_of(2.0))
    assert drawn == [plot_of(2.0)]


def test_a_plot_gone_from_memory_is_read_back_from_the_folder_not_redrawn(drawn, tmp_path):
    cache = SvgCache(tmp_path, memory_entries=1)
    for value in (1.0, 2.0, 3.0):
        cache.svg(plot_of(value))
    assert len(list(tmp_path.glob("*.svg"))) == 3
    drawn.clear()
    assert cache.svg(plot_of(1.0)) == "<svg>run ending at 1.0</svg>"
    assert drawn == []


def test_an_empty_cache_is_still_a_cache_callers_keep():
    # Were it falsy, `svg_cache or SvgCache()` would drop a batch's shared cache before its first plot.
    assert SvgCache()


def test_a_plot_larger_than_the_stored_bound_is_drawn_but_not_written(drawn, tmp_path):
    cache = SvgCache(tmp_path, stored_bytes=len("<svg>run ending at 1.0</svg>"))
    cache.svg(plot_of(1.0))
    cache.svg(plot_of(10.0))  # one character longer
    assert [path.read_text() for path in tmp_path.glob("*.svg")] == ["<svg>run ending at 1.0</svg>"]
    assert cache.svg(plot_of(10.0)) == "<svg>run ending at 10.0</svg>"  # from memory


def test_the_folder_stops_growing_at_its_bound_counting_what_was_there(drawn, tmp_path):
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / "frame.json").write_text("x" * 100)  # an earlier run's: counted too
    cache = SvgCache(tmp_path, memory_entries=1, folder_bytes=200)
    for value in range(20):
        cache.svg(plot_of(float(value)))
    assert folder_size(tmp_path) <= 200
    assert len(list(tmp_path.glob("*.svg"))) == 3  # 100 bytes + 3 x 28: the fourth would pass 200
    assert cache.svg(plot_of(19.0)) == "<svg>run ending at 19.0</svg>"  # still drawn, from memory


def test_processes_sharing_the_folder_see_each_others_plots_when_they_count_again(drawn, tmp_path, monkeypatch):
    monkeypatch.setattr(grader.reports.plotcache, "RECOUNT_BYTES", 1)
    first, second = (SvgCache(tmp_path, folder_bytes=60) for _ in range(2))
    first.svg(plot_of(1.0))
    second.svg(plot_of(2.0))
    first.svg(plot_of(3.0))  # counts again: the folder already holds two plots of 28 bytes
    assert folder_size(tmp_path) <= 60
