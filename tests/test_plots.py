"""Tests that plots render as deterministic, embeddable, accessible SVG even for diverging runs."""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest

from grader.reports.plots import NO_DATA_TEXT, render_svg
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
