"""Rendering the report: the files it writes, a golden page, links, self-containment, escaping."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from grader.records import SubmissionResult
from grader.report import render_report
from grader.report.formatting import page_names
from grader.report.render import environment, page_script
from grader.spec import Assignment
from tests.report_fixtures import HOSTILE_ID, fixture_class, meta

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "student_carol.html"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
CSP = "Content-Security-Policy"
#: the rendered fixture class: its index page, the students, the reference row
Site = tuple[Path, list[SubmissionResult], list[SubmissionResult]]
WARNING = "2 run(s) were not isolated: only resource limits applied"


@pytest.fixture(scope="module")
def site(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Site:
    results, reference = fixture_class(assignment)
    out = tmp_path_factory.mktemp("report")
    index = render_report(
        results=results,
        reference=reference,
        meta=meta(warnings=[WARNING]),
        assignment=assignment,
        out_dir=out,
    )
    return index, results, reference


class Page(HTMLParser):
    """Every tag with its attributes, the text, and the ids of one page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []  # a bare attribute reads as ""
        self.text: list[str] = []
        self.open_script = False
        self.script_text = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {key: value or "" for key, value in attrs}))
        self.open_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self.open_script = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.open_script:
            self.script_text += data

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}


def pages(index: Path) -> dict[Path, Page]:
    return {p: Page(p.read_text(encoding="utf-8")) for p in sorted(index.parent.rglob("*.html"))}


def test_writes_every_page_and_asset(site: Site) -> None:
    index, results, reference = site
    out = index.parent
    assert index == out / "index.html"
    names = page_names([r.id for r in [*results, *reference]])
    assert {p.name for p in (out / "students").iterdir()} == set(names.values())
    assert (out / "leaderboard.html").is_file()
    assert (out / "assets" / "report.css").is_file()
    assert os.stat(index).st_mode & 0o044  # shareable, like any file the user writes


def test_student_page_matches_golden(site: Site) -> None:
    """Regenerate after a deliberate change with
    ``UPDATE_GOLDEN=1 pytest tests/report/test_report_render.py``."""
    index, _, _ = site
    page = TIMESTAMP.sub("<TIMESTAMP>", (index.parent / "students" / "carol.html").read_text())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8")


def test_links_stay_inside_the_site_and_resolve(site: Site) -> None:
    index, _, _ = site
    for path, page in pages(index).items():
        for _tag, attrs in page.tags:
            for key in ("href", "src"):
                target = attrs.get(key)
                if not target or target.startswith("data:image/png;base64,"):
                    continue
                url = urlparse(target)
                assert not url.scheme and not url.netloc, f"{path.name}: external {target}"
                if url.path:
                    assert (path.parent / unquote(url.path)).resolve().is_file(), target
                if url.fragment and not url.path:
                    assert url.fragment in page.ids, f"{path.name}: no #{url.fragment}"


def test_nothing_a_student_wrote_becomes_markup(site: Site) -> None:
    index, _, _ = site
    script = page_script()
    hostile = 0
    for path, page in pages(index).items():
        for tag, attrs in page.tags:
            assert not [a for a in attrs if a.startswith("on")], f"{path.name}: {tag} {attrs}"
            assert tag not in ("b", "iframe", "object", "embed"), f"{path.name}: <{tag}>"
            if tag == "script":
                assert attrs == {}  # inline, and only the report's own script (below)
            if tag == "img":
                assert attrs["src"].startswith("data:image/png;base64,")
        policy = next(a["content"] for t, a in page.tags if a.get("http-equiv") == CSP)
        if path.parent.name == "students":  # no script at all, and none allowed
            assert page.script_text == "" and "script-src 'none'" in policy
        else:  # exactly the shipped script, allowed by its hash
            assert page.script_text == script.source and script.policy in policy
        assert "default-src 'none'" in policy
        text = "".join(page.text)
        hostile += text.count("<script>alert(")
    # the id (everywhere it is shown), the diff line, the stdout tail: all there, as text
    assert hostile >= 4
    eve = (index.parent / "students" / page_names([HOSTILE_ID])[HOSTILE_ID]).read_text()
    assert "&lt;img src=x onerror=alert(&#39;finding&#39;)&gt;" in eve
    assert "&lt;/pre&gt;&lt;b onmouseover=alert(&#39;stderr&#39;)&gt;" in eve


def test_findings_link_to_their_line_in_the_diff(site: Site) -> None:
    index, _, _ = site
    page = Page((index.parent / "students" / "carol.html").read_text())
    links = [
        a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#task1-L")
    ]
    assert links == ["#task1-L39"]
    line = next(a for t, a in page.tags if a.get("id") == "task1-L39")
    assert "violation" in line["class"].split() and "provided" in line["class"].split()


def test_overview_shows_warnings_reference_and_plots(
    site: Site, assignment: Assignment, tmp_path: Path
) -> None:
    index, results, _ = site
    html = index.read_text()
    page = Page(html)
    assert WARNING in "".join(page.text) and 'role="alert"' in html
    rows = [a for t, a in page.tags if t == "tr" and "data-verdicts" in a]
    assert len(rows) == len(results) + 1  # and the pinned reference
    plots = re.findall(r'<figure class="plot".*?</figure>', html, re.DOTALL)
    assert len(plots) == 3 * len(assignment.tasks)
    for plot in plots:
        assert "<svg" in plot and "<path" in plot and "<script" not in plot
        assert len(plot) < 80_000
    quiet = render_report(
        results=results[:1], reference=[], meta=meta(), assignment=assignment, out_dir=tmp_path
    )
    assert 'role="alert"' not in quiet.read_text()  # no warning, no banner


def test_rerendering_drops_pages_of_students_no_longer_graded(
    assignment: Assignment, tmp_path: Path
) -> None:
    results, reference = fixture_class(assignment)
    render_report(
        results=results, reference=reference, meta=meta(), assignment=assignment, out_dir=tmp_path
    )
    (tmp_path / "students" / "notes.txt").write_text("kept")
    render_report(
        results=results[:2], reference=[], meta=meta(), assignment=assignment, out_dir=tmp_path
    )
    assert sorted(p.name for p in (tmp_path / "students").iterdir()) == [
        "alice.html",
        "bob.html",
        "notes.txt",
    ]


def test_an_empty_class_and_a_single_task_render(assignment: Assignment, tmp_path: Path) -> None:
    empty = render_report(
        results=[], reference=[], meta=meta(), assignment=assignment, out_dir=tmp_path / "empty"
    )
    assert "0 students" in empty.read_text()
    results, _ = fixture_class(assignment)
    only_task1 = [type(r)(r.id, r.source, r.sha256, {"task1": r.tasks["task1"]}) for r in results]
    index = render_report(
        results=only_task1,
        reference=[],
        meta=meta(),
        assignment=assignment,
        out_dir=tmp_path / "task1",
    )
    html = index.read_text()
    assert 'class="group">task1<' in html and 'class="group">task2<' not in html


def test_templates_always_escape() -> None:
    env = environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
