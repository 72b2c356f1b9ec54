"""report.html, summary.html and audit.html open cleanly in headless Chromium: no console errors, a screenshot.

Needs the Debian packages chromium and chromium-driver (.ci/run installs them). Without them these tests
FAIL, naming the packages: a skipped browser test would hide a broken page. Screenshots go to
$GRADER_ARTIFACTS (default: pytest's temporary folder). Selenium drives the browser through chromedriver
(the W3C WebDriver the packages ship), which gives the page's console log; its driver and browser paths
are set explicitly, so Selenium Manager never tries to download anything.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from course import ASSIGNMENTS, report_goldens

from grader.assignment import Assignment, load_assignment
from grader.batch.discovery import discover
from grader.batch.pool import grade_batch
from grader.i18n import LANGUAGES, translator
from grader.reports.audit import write_audit_reports

pytestmark = pytest.mark.slow  # Chromium starts once per module, and every page is a graded class's
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = "chromedriver"
INSTALL = "install them with: apt-get update && apt-get install -y chromium chromium-driver (as .ci/run does)"


def _find(names: tuple[str, ...]) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, driver_path = _find(CHROMIUM), _find((CHROMEDRIVER,)) or _find(("/usr/lib/chromium/chromedriver",))
    if chromium is None or driver_path is None:
        pytest.fail(f"headless Chromium tests need chromium and chromedriver on PATH; {INSTALL}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("the browser tests need selenium: pip install -e '.[dev]'")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="grader-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1100,1400",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("GRADER_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


BATCHES = [(folder, language) for folder in ASSIGNMENTS for language in LANGUAGES]


@pytest.fixture(scope="module", params=BATCHES, ids=[f"{folder.name}-{language}" for folder, language in BATCHES])
def graded(request, tmp_path_factory) -> tuple[Assignment, str, Path, list[str]]:
    """Each assignment's examples that have golden reports, graded as a class in each language."""
    folder, language = request.param
    assignment = load_assignment(folder)
    out = tmp_path_factory.mktemp(f"out-{folder.name}-{language}")
    names = sorted({golden.example for golden in report_goldens(folder)})
    sources = discover([assignment.examples / f"{name}.py" for name in names], assignment.submission_file)
    grade_batch(assignment, sources, out, jobs=2, language=language)
    return assignment, language, out, names


def open_page(driver, path: Path, screenshot: Path) -> list[dict]:
    """Returns the console messages of severity SEVERE after loading `path`; saves a full-page screenshot."""
    driver.get_log("browser")  # drop anything left from an earlier page
    driver.get(path.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1100, min(max(height, 800), 12000))
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_pages_open_without_console_errors(browser, graded, artifacts):
    assignment, language, out, names = graded
    for page in [*(f"{name}/report.html" for name in names), "summary.html"]:
        screenshot = artifacts / f"{assignment.name}-{language}-{page.replace('/', '-')}.png"
        errors = open_page(browser, out / page, screenshot)
        assert errors == [], (page, errors)
        assert browser.execute_script("return document.documentElement.lang") == language, page
        # Nothing the page needs comes from elsewhere, and nothing wider than the window but the plots.
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0, page
        assert browser.execute_script("return document.body.scrollWidth <= window.innerWidth"), page


def test_plots_have_titles_and_text_alternatives(browser, graded):
    assignment, language, out, names = graded
    titles = [translator(language, [assignment.locale]).gettext(plot.title) for plot in assignment.plots]
    drawn = 0
    for name in names:
        browser.get((out / name / "report.html").as_uri())
        plots = browser.execute_script(
            "return [...document.querySelectorAll('svg')].map(s => [s.getAttribute('role'), "
            "s.getAttribute('aria-label'), s.querySelector('title') && s.querySelector('title').textContent])"
        )
        if plots:  # a submission that did not load draws nothing
            drawn += 1
            assert len(plots) == len(titles), name
            assert all(role == "img" and label and title == label for role, label, title in plots), name
            assert all(title in label for title, (_, label, _) in zip(titles, plots, strict=True)), name
    assert drawn, "no example with golden reports draws its plots"


def test_summary_links_open_every_report(browser, graded):
    assignment, language, out, names = graded
    browser.get((out / "summary.html").as_uri())
    links = browser.execute_script(
        "return [...new Set([...document.querySelectorAll('a')].map(a => a.href))]"
        ".filter(h => h.endsWith('report.html'))"
    )
    assert len(links) == len(names)
    for link in links:
        browser.get(link)
        assert browser.execute_script("return document.querySelector('h1') !== null")


def test_the_console_check_catches_an_error(browser, tmp_path, artifacts):
    """The check is not vacuous: a page that logs an error fails it."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html lang='en'><title>x</title><script>console.error('boom')</script></html>")
    errors = open_page(browser, page, artifacts / "broken.png")
    assert errors and "boom" in errors[0]["message"]


def test_the_audit_report_opens_without_console_errors(browser, tmp_path, artifacts):
    mutant = {
        "id": "f:arithmetic:1a2b3c4d",
        "function": "f",
        "operator": "arithmetic",
        "description": "`x - y` → `x + y`",
        "diff": "--- reference/m.py\n+++ mutant/m.py\n@@ -1,2 +1,2 @@\n def f(x, y):\n-    return x - y\n"
        "+    return x + y\n",
        "score": 5.0,
        "max_score": 5.0,
        "failed_tests": [],
        "diagnoses": [],
        "verdict": "survived",
        "note": "Its value differs from the reference's on f(x=1.0, y=2.0).",
    }
    caught = mutant | {"id": "f:sign:5e6f7a8b", "verdict": "caught", "score": 3.0, "failed_tests": ["t.py::test_f[a]"]}
    audit = {
        "assignment": "m",
        "title": "M",
        "functions": ["f"],
        "reference_score": 5.0,
        "counts": {"mutants": 2, "caught": 1, "survived": 1, "equivalent": 0},
        "mutants": [mutant, caught],
        "mistakes": [{"id": "adds", "title": "Adds", "mutant": None, "verdict": None, "named": None, "diagnoses": []}],
        "stale_equivalents": [],
        "seconds": 1.0,
    }
    write_audit_reports(audit, tmp_path)
    assert open_page(browser, tmp_path / "audit.html", artifacts / "audit.png") == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.execute_script("return document.body.scrollWidth <= window.innerWidth")
    assert browser.execute_script("return document.querySelectorAll('pre .added').length") == 1  # the survivor's diff
