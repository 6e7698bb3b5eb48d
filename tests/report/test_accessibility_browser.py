"""The report and the feedback pages for people who are not their author, in a real Chromium:
axe-core's WCAG 2 A/AA rules (contrast included) find nothing, sorting and filtering work from
the keyboard, and a feedback page names no other student and links nowhere.

axe-core comes from the npm registry (``.ci/run`` installs it into ``tests/.axe/``, git-ignored)
and is injected through Playwright into Debian's Chromium, as ``test_report_browser.py`` drives
it; the pages' Content-Security-Policy forbids foreign scripts, so the test's browser context
bypasses it (the pages are tested, not the policy, which ``test_report_browser.py`` holds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.marks import mark_class
from grader.records import HandIn, Lateness, LateStatus
from grader.report import render_report
from grader.report.feedback import write_feedback
from grader.review.own_code import Source
from grader.review.stage import review_class
from grader.spec import Assignment
from tests import chromium
from tests.class_table import CLASS
from tests.report_fixtures import HOSTILE_ID, fixture_class, meta

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[1] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
sync_api: Any = chromium.require()
if not AXE.is_file():
    pytest.skip("axe-core is not installed (npm install --prefix tests/.axe axe-core; .ci/run "
                "does it)", allow_module_level=True)

#: WCAG 2.0 and 2.1, levels A and AA: contrast, names, labels, landmarks, tables ...
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def site(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    results, reference = fixture_class(assignment)
    # every lateness tag on the overview, and a hand-in section on a student page
    statuses = [LateStatus.ON_TIME, LateStatus.GRACE, LateStatus.LATE, LateStatus.AFTER_CUTOFF,
                LateStatus.UNKNOWN]
    results = [replace(r, hand_in=HandIn(name=f"Student {n}", submitted_at=None if status is
                                         LateStatus.UNKNOWN else "2026-11-28T09:00:00+00:00",
                                         time_source="a test"),
                       lateness=Lateness(status, "2026-11-27T17:00:00+00:00", late_by_s=57600.0,
                                         days_late=1, deduction_pct=10.0))
               for n, (r, status) in enumerate(zip(results, [*statuses, *statuses],
                                                   strict=False))]
    marks = mark_class([*results, *reference], assignment=assignment)
    # the review stage's page and sections too: the example class's task1 files as theirs, the
    # first one twice (a similar pair)
    texts = [p.read_text(encoding="utf-8") for p in sorted(CLASS.glob("*/task1.py"))]
    texts[1] = texts[0]
    review = review_class([Source(r.id, "student", "task1", text,
                                  hashlib.sha256(text.encode()).hexdigest())
                           for r, text in zip(results, texts, strict=False)],
                          assignment=assignment)
    out = tmp_path_factory.mktemp("report")
    render_report(results=results, reference=reference, meta=meta(), assignment=assignment,
                  out_dir=out, marks=marks, review=review)
    write_feedback(results=results, marks=marks, assignment=assignment,
                   out_dir=out / "feedback")
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium.launched(sync_api) as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.help + ' — ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))", RULES)
    return list(found)


@pytest.mark.parametrize("name", ["index.html", "leaderboard.html", "similarity.html",
                                  "students/carol.html",
                                  "students/alice.html", "feedback/alice.html",
                                  "feedback/carol.html"])
def test_axe_finds_nothing(page: Any, site: Path, name: str) -> None:
    page.goto((site / name).as_uri())
    assert axe_violations(page) == []


def test_axe_can_fail(page: Any, site: Path) -> None:
    """The check sees a real fault: the old white-on-light-green badge."""
    page.goto((site / "index.html").as_uri())
    page.add_style_tag(content=".verdict-valid { background: #7cb342 !important; }")
    assert any(v.startswith("color-contrast") for v in axe_violations(page))


def _ids(page: Any) -> list[str]:
    return list(page.locator("table.overview tbody.rows tr:visible td.student a")
                .all_inner_texts())


def test_sorting_and_filtering_from_the_keyboard(page: Any, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    before = _ids(page)
    page.locator('table.overview th[data-col="2"] button').focus()
    page.keyboard.press("Enter")
    assert page.locator('table.overview th[data-col="2"]').get_attribute("aria-sort") == \
        "ascending"
    assert sorted(_ids(page)) == sorted(before) and _ids(page) != before
    page.locator("#verdict-filter").focus()
    page.keyboard.press("ArrowDown")  # the first filter: a verdict in any task
    assert page.locator("#verdict-filter").input_value() != ""
    assert len(_ids(page)) < len(before)
    page.locator("#verdict-filter").select_option("")
    page.locator('button[data-filter="task1:invalid"]').focus()
    page.keyboard.press("Enter")
    assert sorted(_ids(page)) == sorted(["carol", "dave", HOSTILE_ID])


def test_the_feedback_page_is_about_one_student_and_links_nowhere(page: Any, site: Path) -> None:
    page.goto((site / "feedback" / "alice.html").as_uri())
    text = page.locator("body").inner_text()
    assert "alice" in text
    for other in ("bob", "carol", "dave", "frank", "eve", "reference"):
        assert other not in text.lower(), other
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("#") for h in hrefs)
    assert page.locator("link, script:not([src*='axe']), iframe").count() == 0
    assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == []
