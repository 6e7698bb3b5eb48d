"""The review aids in a real browser: the Review column sorts, the similarity page shows the
matched code, and student code on both pages is text that never runs.

Drives the distribution's Chromium through Playwright, as ``test_report_browser.py`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.pipeline import grade
from grader.spec import Assignment
from tests import chromium
from tests.runtime_fakes import FakeExecutor, facts, outcome

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "# <img src=x onerror=alert(1)><script>alert(2)</script>\n"

sync_api: Any = chromium.require()


@pytest.fixture(scope="module")
def report(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ada, a copy of Ada with a hostile comment in its own code, and Chen (honest)."""
    root = tmp_path_factory.mktemp("class")
    ada = (ROOT / "submissions" / "s2301147_ada" / "task1.py").read_text()
    added = HOSTILE + "import json\n\n\ndef transform(images):"
    copy = ada.replace("def transform(batch):", added).replace("return (batch", "return (images")
    chen = (ROOT / "submissions" / "s2303051_chen" / "task1.py").read_text()
    for student, text in (("ada", ada), ("copy", copy), ("chen", chen)):
        (root / student).mkdir()
        (root / student / "task1.py").write_text(text)
    out = tmp_path_factory.mktemp("report")
    fake = FakeExecutor(lambda spec: outcome(spec.index, error=3.0, isolated=True,
                                             facts=facts(layers=("Conv2D", "Dense"))))
    grade(paths=[root], assignment=assignment, out_dir=out, executor=fake, runs=1,
          tasks=["task1"], analysis=False)
    return out


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium.launched(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        dialogs: list[str] = []

        def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        yield page
        assert dialogs == [], "student code ran as script"


def test_the_review_column_sorts_by_similarity(page: Any, report: Path) -> None:
    page.goto((report / "index.html").as_uri())
    header = page.locator("th", has_text="Review")
    header.locator("button").click()
    header.locator("button").click()  # descending: the most similar first
    first = page.locator("tbody.rows tr").first.locator("td.student").inner_text()
    assert first in ("ada", "copy")
    assert "similarity.html" in page.locator("p.review-link a").get_attribute("href")


def test_the_similarity_page_shows_matched_code_as_text(page: Any, report: Path) -> None:
    page.goto((report / "similarity.html").as_uri())
    assert page.locator("table.pairs tr.similar").count() == 1
    assert page.locator(".side-by-side .line.match").count() > 4
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    assert "onerror=alert(1)" in page.locator(".side-by-side").first.inner_text()


def test_the_student_page_links_notes_and_the_pair(page: Any, report: Path) -> None:
    student = next((report / "students").glob("copy*.html"))
    html = student.read_text(encoding="utf-8")
    # advisory aids come after the task sections, whose findings decide the verdict
    assert html.index('id="task1"') < html.index('id="review"')
    page.goto(student.as_uri())
    assert page.locator("#review table.similar a", has_text="ada").count() == 1
    note = page.locator("#review table.notes a").first  # the unused import
    target = note.get_attribute("href")
    assert target.startswith("#task1-R") and page.locator(target).count() == 1
    assert "import json" in page.locator(target).inner_text()
    page.locator("#review a", has_text="side by side").click()
    assert page.url.endswith(".html#" + page.url.split("#")[1]) and "similarity" in page.url
