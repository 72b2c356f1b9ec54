"""Tests that plots render as deterministic, embeddable, accessible SVG even for diverging runs."""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest

from grader.reports import frames, plots
from grader.reports.plotlayout import NO_DATA_TEXT
from grader.reports.plots import render_svg
from grader.results import Panel, Plot, Series

INF = float("inf")
NAN = float("nan")

SHRINKING = tuple(0.5**k for k in range(12))
DIVERGING = tuple([10.0 ** (10 * k) for k in range(8)] + [INF] * 4)
"""Reaches 1e70 at step 8, then inf from step 9 on."""


def make_plot(
    student: tuple[float, ...] = DIVERGING,
    *,
    yscale: str = "linear",
    title: str = "Runs",
    description: str = "Your run (solid) against the reference (dashed).",
    xlabel: str | None = None,
) -> Plot:
    panel = Panel(
        "value",
        yscale,
        (
            Series("rate 1.5", "tab:red", student, is_reference=False),
            Series("rate 1.5", "tab:red", SHRINKING, is_reference=True),
        ),
    )
    return Plot(title, description, (panel,), **({"xlabel": xlabel} if xlabel else {}))


@pytest.fixture(autouse=True)
def frames_drawn_afresh():
    """Each test draws its frames itself, so a frame drawn by an earlier test cannot hide a difference."""
    plots.forget_frames()
    yield
    plots.forget_frames()


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """Overflow and empty-limit warnings from matplotlib are exactly what these tests guard against."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_same_plot_gives_byte_identical_svg():
    assert render_svg(make_plot()) == render_svg(make_plot())


def test_different_data_gives_different_svg():
    # A change big enough to move a line by more than the SVG's coordinate precision.
    changed = SHRINKING[:3] + (0.9,) + SHRINKING[4:]
    assert render_svg(make_plot(SHRINKING)) != render_svg(make_plot(changed))


def test_local_matplotlib_settings_do_not_change_the_svg():
    expected = render_svg(make_plot())
    plots.forget_frames()
    with matplotlib.rc_context({"lines.linewidth": 5.0, "font.size": 20.0, "svg.fonttype": "path"}):
        assert render_svg(make_plot()) == expected


def test_svg_embeds_in_html_without_header_or_doctype():
    svg = render_svg(make_plot())
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert svg.rstrip().endswith("</svg>")


def test_svg_has_a_text_alternative_escaped():
    svg = render_svg(make_plot(description='Loss per epoch; "yours" < reference & dashed.'))
    opening = re.match(r"<svg\b[^>]*>", svg)
    assert opening is not None
    assert 'role="img"' in opening.group(0)
    assert "aria-label='Runs. Loss per epoch; \"yours\" &lt; reference &amp; dashed.'" in opening.group(0)
    assert '<title>Runs. Loss per epoch; "yours" &lt; reference &amp; dashed.</title>' in svg


def test_svg_shows_title_axis_and_legend_labels():
    svg = render_svg(make_plot(title="Two rates"))
    for text in ("Two rates", ">step<", "rate 1.5 (yours)", "rate 1.5 (reference)"):
        assert text in svg


def test_divergence_to_inf_is_marked_at_the_last_finite_point():
    assert "→ inf at step 9" in render_svg(make_plot())


def test_the_assignments_x_label_names_the_axis_and_the_step():
    svg = render_svg(make_plot(xlabel="iteration"))
    assert ">iteration<" in svg and "→ inf at iteration 9" in svg
    assert ">step<" not in svg


def test_nan_is_named_as_nan():
    assert "→ nan at step 4" in render_svg(make_plot((1.0, 2.0, 3.0, NAN, NAN)))


def test_log_panel_with_1e70_renders():
    svg = render_svg(make_plot(yscale="log"))
    assert "→ inf at step 9" in svg
    assert NO_DATA_TEXT not in svg


def test_log_panel_drops_zero_and_negative_values_without_calling_them_divergence():
    svg = render_svg(make_plot((1.0, 0.0, -1.0, 0.5), yscale="log"))
    assert "→" not in svg
    assert NO_DATA_TEXT not in svg


def test_values_too_large_to_draw_are_marked_as_overflow():
    svg = render_svg(make_plot((1.0, 1e10, 1e308, -1e308)))
    assert "→ overflow at step 3" in svg


@pytest.mark.parametrize("yscale", ["linear", "log"])
def test_panel_without_finite_values_says_so(yscale):
    plot = Plot(
        "All inf",
        "Nothing can be drawn.",
        (Panel("value", yscale, (Series("run", "tab:blue", (INF, NAN, -INF), is_reference=False),)),),
    )
    assert NO_DATA_TEXT in render_svg(plot)


def test_log_panel_with_only_non_positive_values_says_so():
    plot = Plot(
        "Zeros",
        "Nothing positive.",
        (Panel("loss", "log", (Series("run", "tab:blue", (0.0, -1.0), is_reference=False),)),),
    )
    assert NO_DATA_TEXT in render_svg(plot)


def test_series_without_finite_values_is_named_in_the_legend_of_a_drawn_panel():
    plot = Plot(
        "Mixed",
        "One run is all nan.",
        (
            Panel(
                "value",
                "linear",
                (
                    Series("good", "tab:blue", SHRINKING, is_reference=False),
                    Series("bad", "tab:red", (NAN, NAN), is_reference=False),
                ),
            ),
        ),
    )
    assert f"bad (yours): {NO_DATA_TEXT}" in render_svg(plot)


def test_one_subplot_per_panel():
    panel = make_plot().panels[0]
    svg = render_svg(Plot("Three", "Three panels.", (panel, panel, panel)))
    assert len(re.findall(r'<g id="axes_\d+"', svg)) == 3


def test_dollar_signs_are_drawn_as_written():
    svg = render_svg(make_plot(title="Cost in $ per $ spent"))
    assert "Cost in $ per $ spent" in svg


def test_plot_without_panels_renders():
    assert NO_DATA_TEXT in render_svg(Plot("Empty", "No panels configured.", ()))


@pytest.mark.parametrize("values", [(1.0,), (1.0, 2.0), (NAN, 1.0), (1.0, NAN)])
def test_histories_of_one_or_two_steps_are_drawn(values):
    svg = render_svg(make_plot(values))
    assert svg.startswith("<svg") and "could not be drawn" not in svg


def _ticks(svg: str, axis: str) -> dict[float, float]:
    """Returns each labelled tick of the first panel's `axis` ("x" or "y"): its value and its SVG position."""
    ticks = {}
    for found in re.finditer(rf'<g id="{axis}tick_\d+">(.*?)</text>', svg, re.DOTALL):
        use = re.search(r'<use [^>]* x="([-\d.]+)" y="([-\d.]+)"', found.group(1))
        label = found.group(1).rsplit(">", 1)[-1]
        if use and label.lstrip("−").replace(".", "").isdigit():
            ticks[float(label.replace("−", "-"))] = float(use.group(1 if axis == "x" else 2))
    return ticks


def _laid_in_points(svg: str, panel: int, series: int) -> list[tuple[float, float]]:
    found = re.search(rf'<g id="gd-line-{panel}-{series}">\s*<path d="([^"]*)"', svg)
    assert found is not None
    return [(float(x), float(y)) for x, y in re.findall(r"[ML] ([-\d.]+) ([-\d.]+)", found.group(1))]


def test_laid_in_lines_sit_where_matplotlibs_own_ticks_say():
    # y = step, so point k must be level with the y tick labelled k and above the x tick labelled k.
    svg = render_svg(make_plot(tuple(float(k) for k in range(1, 13))))
    xticks, yticks = _ticks(svg, "x"), _ticks(svg, "y")
    points = _laid_in_points(svg, 0, 0)
    checked = 0
    for step, (x, y) in enumerate(points, start=1):
        if step in xticks and step in yticks:
            assert x == pytest.approx(xticks[step], abs=0.01)
            assert y == pytest.approx(yticks[step], abs=0.01)
            checked += 1
    assert checked >= 3


def test_a_line_breaks_where_its_values_cannot_be_drawn():
    svg = render_svg(make_plot((1.0, 2.0, NAN, 3.0, 4.0, INF, 5.0, 6.0)))
    found = re.search(r'<g id="gd-line-0-0">\s*<path d="([^"]*)"', svg)
    assert found is not None
    assert re.findall(r"[ML]", found.group(1)) == ["M", "L", "M", "L", "M", "L"]


def test_plots_with_data_in_about_the_same_range_share_one_drawn_frame(monkeypatch):
    drawn = []
    original = frames.draw_frame
    monkeypatch.setattr(frames, "draw_frame", lambda spec, salt: drawn.append(spec) or original(spec, salt))
    first = render_svg(make_plot(tuple(0.9**k for k in range(12))))
    second = render_svg(make_plot(tuple(0.8**k for k in range(12))))
    assert len(drawn) == 1
    assert first != second


def test_a_plot_has_the_same_bytes_whichever_plots_were_drawn_before_it():
    alone = render_svg(make_plot(tuple(0.9**k for k in range(12))))
    plots.forget_frames()
    render_svg(make_plot(tuple(0.8**k for k in range(12))))  # draws the frame both share
    assert render_svg(make_plot(tuple(0.9**k for k in range(12)))) == alone


def test_drawn_frames_kept_in_memory_are_bounded():
    cache = frames.FrameCache(kept=3)
    for title in "abcdef":
        render_svg(make_plot(title=title), cache)
    assert cache.in_memory == 3


def test_frames_stored_in_a_folder_give_the_same_bytes_without_drawing(tmp_path, monkeypatch):
    plot = make_plot(yscale="log")
    drawn = render_svg(plot, frames.FrameCache(tmp_path))
    assert len(list(tmp_path.glob("*.json"))) == 1
    monkeypatch.setattr(frames, "draw_frame", lambda spec, salt: pytest.fail("drew a frame the folder holds"))
    assert render_svg(plot, frames.FrameCache(tmp_path)) == drawn


def _legend_corner(values: tuple[float, ...]) -> str:
    from grader.i18n import translator
    from grader.reports.plotlayout import layout

    return layout(make_plot(values), translator("en")).frame.panels[0].legend


def test_the_legend_goes_where_the_lines_are_not():
    rising = tuple(float(k) for k in range(12))
    assert _legend_corner(rising) == "upper left"  # the shrinking reference fills the lower left
    assert _legend_corner(tuple(0.4**k for k in range(12))) == "upper right"
