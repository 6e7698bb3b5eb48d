"""The report in a real browser: what a person sees, clicks and cannot be attacked with.

Drives the distribution's Chromium (``apt-get install chromium``; never a download at test time)
through Playwright, on the rendered fixture class opened from ``file://``. Screenshots of each
page land in ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.records import SubmissionResult
from grader.report import render_report
from grader.report.formatting import page_names
from grader.spec import Assignment
from tests import chromium
from tests.report_fixtures import HOSTILE_ID, fixture_class, meta

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

#: the rendered fixture class: its index page and the students
Report = tuple[Path, list[SubmissionResult]]
sync_api: Any = chromium.require()


@pytest.fixture(scope="module")
def report(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Report:
    results, reference = fixture_class(assignment)
    out = tmp_path_factory.mktemp("report")
    index = render_report(
        results=results,
        reference=reference,
        meta=meta(warnings=["3 run(s) were not isolated"]),
        assignment=assignment,
        out_dir=out,
    )
    return index, results


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium.launched(sync_api) as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that records every dialog (an injected ``alert``) and every console error."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    assert page.dialogs == [], "a script ran from student text"
    assert page.errors == [], "the page logged errors (a blocked or broken script?)"
    page.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"report-{name}.png", full_page=True)


def ids(page: Any) -> list[str]:
    return list(page.locator("table.overview tbody.rows tr:visible td.student a").all_inner_texts())


def test_overview_sorts_and_filters(page: Any, report: Report) -> None:
    index, results = report
    page.goto(index.as_uri())
    screenshot(page, "index")
    assert ids(page) == [r.id for r in results]
    assert page.locator("table.overview tbody.pinned tr").count() == 1
    assert page.get_by_role("alert").is_visible()

    error: dict[str, float] = {}
    for r in results:
        mean = r.tasks["task1"].summary.mean_error_pct
        assert mean is not None  # every fixture student has a task1 mean
        error[r.id] = mean
    ascending = sorted(error, key=lambda i: error[i])
    page.locator('table.overview th[data-col="2"]').click()  # task1: mean error
    assert ids(page) == ascending
    page.locator('table.overview th[data-col="2"]').click()
    assert ids(page) == ascending[::-1]

    page.select_option("#verdict-filter", "task1:invalid")
    assert sorted(ids(page)) == sorted(["carol", "dave", HOSTILE_ID])
    assert page.locator("#shown-count").inner_text() == "3 of 6 students"
    page.locator('button[data-filter="task2:valid"]').click()
    assert sorted(ids(page)) == [HOSTILE_ID, "frank"]
    page.select_option("#verdict-filter", "")
    assert len(ids(page)) == len(results)


def test_plots_are_drawn(page: Any, report: Report) -> None:
    index, _ = report
    page.goto(index.as_uri() + "#plots")
    plots = page.locator("figure.plot svg")
    assert plots.count() == 6
    for n in range(plots.count()):
        plot = plots.nth(n)
        plot.scroll_into_view_if_needed()
        box = plot.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
        drawn = plot.evaluate("svg => svg.querySelectorAll('path, use').length")
        assert drawn > 10
    screenshot(page, "plots")


def test_leaderboard_marks_the_pareto_front(page: Any, report: Report) -> None:
    index, _ = report
    page.goto((index.parent / "leaderboard.html").as_uri())
    screenshot(page, "leaderboard")
    front = page.locator("#board-task1 tbody.rows tr.front td.student a").all_inner_texts()
    assert front == ["alice", "bob"]


def test_student_page_highlights_the_protected_region_change(page: Any, report: Report) -> None:
    index, _ = report
    page.goto((index.parent / "students" / "carol.html").as_uri())
    screenshot(page, "student")
    violation = page.locator(".diff .line.violation")
    assert violation.count() == 2 and violation.first.is_visible()
    assert "4000" in violation.nth(0).inner_text() and "4500" in violation.nth(1).inner_text()
    colour = violation.first.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator(".diff .line.context:not(.provided)").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert colour != plain
    page.locator('a[href="#task1-L39"]').click()
    assert page.locator("#task1-L39").evaluate("e => e.matches(':target')")


def test_hostile_student_page_runs_nothing(page: Any, report: Report) -> None:
    index, _ = report
    page.goto((index.parent / "students" / page_names([HOSTILE_ID])[HOSTILE_ID]).as_uri())
    assert page.locator("h1.student-id").inner_text().startswith(HOSTILE_ID)
    assert "<script>alert('diff')</script>" in page.locator("#task1 .diff").inner_text()
    page.locator("summary", has_text="stdout of run 2").click()
    assert "<script>alert('stdout')</script>" in page.locator("tr.output").inner_text()
    assert page.locator("b").count() == 0 and page.locator("tr.output img").count() == 0
    page.locator("tr.output pre").first.hover()  # the stderr tail held an onmouseover
    screenshot(page, "hostile")
