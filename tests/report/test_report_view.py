"""Unit tests of the report's pure layer: formatting, leaderboard, strips, diff view, the views of
the overview and of a student page, and the grades export. Nothing is rendered here."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.original.parse import parse_original
from grader.records import Finding, RunStatus, Severity, SubmissionResult, Verdict
from grader.report import formatting as fmt
from grader.report.diffview import build_diff_view
from grader.report.exports import grades_rows, write_grades_csv
from grader.report.leaderboard import (
    Entry,
    competition_ranks,
    dominates,
    entries,
    pareto_front,
    rank,
)
from grader.report.leaderboard_view import leaderboard_view
from grader.report.patch import PatchError, apply_unified, lines_of
from grader.report.strips import strip
from grader.report.student_view import figure_uri, finding_view, observed, run_row, tail
from grader.report.view import (
    filter_groups,
    overview_view,
    task_cells,
    task_columns,
    verdict_counts,
    violations,
)
from grader.spec import Assignment
from tests.report_fixtures import (
    HOSTILE_ID,
    Plan,
    diff_of,
    edited,
    fixture_class,
    line_of,
    meta,
    student,
    task_result,
    tiny_png,
)

V, S = Verdict, Severity

#: the fixture class: the students, and the reference row
Klass = tuple[list[SubmissionResult], list[SubmissionResult]]


@pytest.fixture(scope="module")
def klass(assignment: Assignment) -> Klass:
    return fixture_class(assignment)


def by_id(results: list[SubmissionResult], id: str) -> SubmissionResult:
    return next(r for r in results if r.id == id)


# ------------------------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (fmt.pct(None), "—"),
        (fmt.pct(4.0), "4.00 %"),
        (fmt.pct_spread(None, 0.3), "—"),
        (fmt.pct_spread(4.123, 0.351), "4.12 ± 0.35 %"),
        (fmt.pct_spread(4.0, None), "4.00 %"),
        (fmt.count(None), "—"),
        (fmt.count(1_000_000), "1,000,000"),
        (fmt.seconds(None), "—"),
        (fmt.seconds(41.52), "41.5 s"),
        (fmt.seconds(241.4), "241 s"),
        (fmt.megabytes(851.4), "851 MB"),
        (fmt.number_key(None), ""),
        (fmt.number_key(3), "3.0"),
        (fmt.number_key(0.0), "0.0"),
        (fmt.timestamp("2025-01-31T14:05:00+00:00"), "2025-01-31 14:05:00 UTC"),
        (fmt.timestamp("2025-01-31T15:05:00+01:00"), "2025-01-31 14:05:00 UTC"),
        (fmt.timestamp("yesterday"), "yesterday"),
        (fmt.setting_value(["task1", "task2"]), "task1, task2"),
        (fmt.setting_value(None), "—"),
        (fmt.setting_value(True), "yes"),
        (fmt.setting_value(600.0), "600"),
        (fmt.setting_value(0.5), "0.5"),
        (fmt.setting_label("timeout_s"), "timeout (s)"),
        (fmt.setting_label("threads_per_run"), "threads per run"),
    ],
)
def test_formatting(value: object, text: object) -> None:
    assert value == text


def test_badges_are_distinct_and_verdicts_sort_best_first() -> None:
    badges = [fmt.verdict_badge(v) for v in Verdict]
    assert len({b.css for b in badges}) == len(Verdict)
    assert fmt.verdict_badge(V.HIGH_PERFORMANCE).label == "high performance"
    assert fmt.verdict_badge(None).label == fmt.MISSING
    ranks = [
        fmt.verdict_rank(v)
        for v in (V.HIGH_PERFORMANCE, V.VALID, V.INCOMPLETE, V.INVALID, V.MISSING, None)
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 6
    assert fmt.severity_rank(S.VIOLATION) < fmt.severity_rank(S.WARNING) < fmt.severity_rank(S.INFO)
    assert fmt.status_badge(RunStatus.TIMEOUT).css == "status-timeout"


def test_page_names_are_safe_unique_and_keep_plain_ids() -> None:
    ids = ["alice", "Alice", "ALICE", "a/b c", HOSTILE_ID, "...", "bob.smith_2"]
    names = fmt.page_names(ids)
    assert names["bob.smith_2"] == "bob.smith_2.html"  # a plain id is kept as it is
    assert len({n.lower() for n in names.values()}) == len(ids)  # unique, even ignoring case
    for name in names.values():
        assert name.endswith(".html") and not name.startswith(".")
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert names["a/b c"].startswith("a_b_c-")


# ----------------------------------------------------------------------------------- leaderboard


def entry(id: str, error: float, size: int, time: float, verdict: Verdict = V.VALID) -> Entry:
    return Entry(id, error, 0.1, size, time, verdict)


def test_competition_ranks_share_ties() -> None:
    assert competition_ranks([3.0, 1.0, 1.0, 2.0]) == [4, 1, 1, 3]


def test_pareto_front() -> None:
    a, b = entry("a", 1.0, 100, 10.0), entry("b", 2.0, 50, 10.0)
    c = entry("c", 2.0, 100, 10.0)  # worse than a on error, equal on the rest: dominated
    d = entry("d", 1.0, 100, 10.0)  # equal to a on everything: neither dominates the other
    e = entry("e", 9.0, 900, 1.0)  # worst error and size, but the fastest: on the front
    assert dominates(a, c) and not dominates(c, a)
    assert not dominates(a, d) and not dominates(d, a)
    assert pareto_front([a, b, c, d, e]) == {"a", "b", "d", "e"}


def test_rank_orders_by_error_and_ranks_each_measure() -> None:
    ranked = rank(
        [entry("slow", 2.0, 10, 99.0), entry("best", 1.0, 30, 50.0), entry("small", 3.0, 5, 60.0)]
    )
    assert [r.entry.id for r in ranked] == ["best", "slow", "small"]
    best = ranked[0]
    assert (best.error_rank, best.size_rank, best.time_rank, best.pareto) == (1, 3, 1, True)
    assert all(r.pareto for r in ranked)


def test_entries_take_only_valid_submissions_with_every_measure(
    assignment: Assignment, klass: Klass
) -> None:
    results, _ = klass
    ids = [e.id for e in entries(results, task="task2")]
    assert ids == ["alice", HOSTILE_ID, "frank"]  # bob invalid, carol missing, dave incomplete
    alice = by_id(results, "alice")
    no_size = replace(
        alice.tasks["task2"], summary=replace(alice.tasks["task2"].summary, model_size=None)
    )
    assert entries([replace(alice, tasks={"task2": no_size})], task="task2") == []


# ---------------------------------------------------------------------------------------- strips


def test_strip_places_runs_on_the_class_scale(assignment: Assignment) -> None:
    task = assignment.task("task1")
    runs = task_result(
        assignment,
        "task1",
        V.VALID,
        text=None,
        plan=Plan([2.0, 23.9, 30.0, None], 1000, 10.0, [RunStatus.OK] * 3 + [RunStatus.FAILED]),
    ).runs
    drawn = strip(runs, task=task, width=100, pad=4)
    assert drawn is not None
    assert [d.off_scale for d in drawn.dots] == [False, False, True]  # 23.9 % is inside 24 %
    assert all(4 <= d.x <= 96 for d in drawn.dots)
    hp, passing = drawn.marks
    assert hp.css == "hp" and passing.css == "pass" and hp.x < passing.x
    assert "1 run(s) gave no error" in drawn.label
    failed = task_result(
        assignment, "task1", V.INVALID, text=None, plan=Plan([None], 1, 1.0, [RunStatus.FAILED])
    ).runs
    assert strip(failed, task=task) is None


# ------------------------------------------------------------------------------------- diff view


def test_apply_unified_gives_the_submission_back(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    for text in (
        edited(assignment, "task1"),
        edited(assignment, "task1", split=4100),
        original.text,
        "print('all new')\n",
    ):
        assert apply_unified(original.text, diff_of(assignment, "task1", text).unified) == text
    windows = edited(assignment, "task1").replace("\n", "\r\n").rstrip()
    assert apply_unified(original.text, diff_of(assignment, "task1", windows).unified) == "".join(
        lines_of(windows)
    )  # line ends are not changes: lines come back ending in "\n"
    with pytest.raises(PatchError):
        apply_unified(
            original.text.replace("np.random.permutation", "np.random.choice"),
            diff_of(assignment, "task1", edited(assignment, "task1", split=4100)).unified,
        )


def diff_lines(assignment: Assignment, text: str, **kwargs: Any) -> tuple[Any, list[Any]]:
    original = kwargs.pop("original", parse_original(assignment.task("task1")))
    view = build_diff_view(
        original=original,
        unified=diff_of(assignment, "task1", text).unified,
        anchor_prefix="task1",
        **kwargs,
    )
    return view, [line for block in view.blocks for line in block.lines]


def test_changes_to_provided_code_are_violations_and_comments_are_not(
    assignment: Assignment,
) -> None:
    text = edited(assignment, "task1", split=4500).replace(
        "# a new random split", "# a random split (my note)"
    )
    view, lines = diff_lines(assignment, text)
    assert view.complete
    changed = {(line.kind, line.old, line.new) for line in lines if line.violation}
    split_at = line_of(text, "order[:4500]")
    assert changed == {("removed", split_at, None), ("added", None, split_at)}
    note = next(line for line in lines if "my note" in line.text)
    assert note.kind == "added" and note.provided and not note.violation
    student = next(line for line in lines if "2.0 * batch - 1.0" in line.text)
    assert student.kind == "added" and not student.provided and not student.violation
    assert "violation" in next(line for line in lines if line.violation).css


def test_unchanged_stretches_fold_except_around_kept_lines(assignment: Assignment) -> None:
    text = edited(assignment, "task1")
    _, lines = diff_lines(assignment, text)
    view, _ = diff_lines(assignment, text, keep=frozenset({2}))
    shown = {line.new for b in view.blocks if not b.folded for line in b.lines}
    assert 2 in shown and "task1-L2" in {line.anchor for line in lines}
    assert view.blocks[0].folded is False and any(b.folded for b in view.blocks)
    assert view.anchors == {line.new for line in lines if line.new is not None}


def test_a_diff_that_no_longer_applies_shows_its_hunks_by_position(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    moved = replace(
        original,
        text=original.text.replace(
            "order = np.random.permutation", "order = np.random.permutation  "
        ),
    )
    text = edited(assignment, "task1", split=4500).replace("# a new random", "# a newer random")
    view, lines = diff_lines(assignment, text, original=moved)
    assert not view.complete and all(b.label.startswith("@@") for b in view.blocks)
    violations = [line for line in lines if line.violation]
    assert violations and all("4500" in line.text or "4000]]" in line.text for line in violations)
    assert not next(
        line for line in lines if "newer" in line.text
    ).violation  # a comment: no violation


def test_a_file_that_does_not_parse_is_judged_by_position(assignment: Assignment) -> None:
    text = edited(assignment, "task1", split=4500) + "def broken(:\n"
    view, lines = diff_lines(assignment, text)
    assert view.complete and any(line.violation and "4500" in line.text for line in lines)


# --------------------------------------------------------------------------------- overview view


def test_violations_lists_distinct_violated_checks_per_task(
    assignment: Assignment, klass: Klass
) -> None:
    results, _ = klass
    tasks = assignment.tasks
    assert [v.label for v in violations(by_id(results, "dave"), tasks)] == [
        "task1 · run.failed",
        "task1 · run.timeout",
    ]
    assert [v.label for v in violations(by_id(results, "bob"), tasks)] == ["task2 · seed"]  # no
    assert violations(by_id(results, "alice"), tasks) == ()  # warning runs.deterministic above


def test_task_cells_show_dashes_and_sort_last_without_numbers(
    assignment: Assignment, klass: Klass
) -> None:
    results, _ = klass
    missing = task_cells(by_id(results, "carol").tasks["task2"], assignment.task("task2"))
    assert (missing.error.text, missing.error.sort, missing.size.sort) == ("—", "", "")
    assert missing.verdict.label == "missing" and missing.strip is None
    absent = task_cells(None, assignment.task("task2"))
    assert absent.verdict_sort == str(fmt.verdict_rank(None))
    alice = task_cells(by_id(results, "alice").tasks["task1"], assignment.task("task1"))
    assert alice.error.sort == "2.24" and alice.size.text == "52,000" and alice.strip is not None


def test_overview_view(assignment: Assignment, klass: Klass) -> None:
    results, reference = klass
    pages = fmt.page_names([r.id for r in [*results, *reference]])
    view = overview_view(
        results=results,
        reference=reference,
        meta=meta(warnings=["loud"]),
        tasks=assignment.tasks,
        pages=pages,
        plots={},
    )
    assert [r.id for r in view.rows] == [r.id for r in results]
    assert [r.label for r in view.pinned] == ["reference solution"]
    assert view.site.warnings == ("loud",) and ("cores", "2") in view.site.machine
    carol = view.rows[2]
    assert carol.filter_tokens.split() == [
        "task1:invalid",
        "*:invalid",
        "task2:missing",
        "*:missing",
    ]
    # the template's contract: every row has one cell per column, at the columns' indexes
    indexes = [
        view.student_column.index,
        *(c.index for t in view.tasks for c in t.columns),
        view.violations_column.index,
    ]
    assert indexes == list(range(2 + 4 * len(assignment.tasks)))


def test_verdict_counts_and_filters(assignment: Assignment, klass: Klass) -> None:
    results, _ = klass
    counts = {c.badge.label: c.count for c in verdict_counts(results, "task1")}
    assert counts == {
        "high performance": 1,
        "valid": 2,
        "incomplete": 0,
        "invalid": 3,
        "missing": 0,
    }
    groups = {g.label: [v for v, _ in g.options] for g in filter_groups(results, assignment.tasks)}
    assert groups["in task1"] == ["task1:high_performance", "task1:valid", "task1:invalid"]
    assert "*:missing" in groups["in any task"]
    assert len(task_columns(assignment.tasks)) == 2


def test_leaderboard_view(assignment: Assignment, klass: Klass) -> None:
    results, reference = klass
    pages = fmt.page_names([r.id for r in [*results, *reference]])
    ranked = {t.id: rank(entries(results, task=t.id)) for t in assignment.tasks}
    view = leaderboard_view(
        results=results,
        reference=reference,
        meta=meta(),
        tasks=assignment.tasks,
        ranked=ranked,
        pages=pages,
    )
    task1 = view.tables[0]
    assert [r.id for r in task1.rows] == ["alice", "frank", "bob"]
    assert [id for id, _ in task1.front] == ["alice", "bob"]  # frank: alice beats him on all
    assert task1.unranked == 3 and task1.pinned[0].cells[1].text == "—"


# ----------------------------------------------------------------------------- student page view


def test_tail_keeps_the_end() -> None:
    text = "\n".join(f"line {n}" for n in range(100))
    assert tail(text, lines=3) == "line 97\nline 98\nline 99"
    assert tail("x" * 50, chars=10) == "…" + "x" * 10


def test_tail_drops_terminal_colour_codes() -> None:
    keras = "ValueError: Exception encountered\n\x1b[1mInvalid input shape\x1b[0m\n"
    assert tail(keras) == "ValueError: Exception encountered\nInvalid input shape"
    assert tail("a [1m literal\ttab") == "a [1m literal\ttab"  # no escape byte: kept


def test_figure_uri_embeds_only_png() -> None:
    assert figure_uri(tiny_png()).startswith("data:image/png;base64,iVBORw0KGgo")
    assert figure_uri(b"<svg onload=alert(1)>") == ""
    assert figure_uri(None) == ""


def test_finding_links_only_to_lines_on_the_page(assignment: Assignment) -> None:
    task = assignment.task("task1")
    on_page = finding_view(
        Finding("seed", S.VIOLATION, "m", "task1.py", 12), task=task, anchors=frozenset({12})
    )
    assert (on_page.location, on_page.href) == ("task1.py:12", "#task1-L12")
    off_page = finding_view(
        Finding("seed", S.VIOLATION, "m", "task1.py", 13), task=task, anchors=frozenset({12})
    )
    other_file = finding_view(
        Finding("files.extra", S.WARNING, "m", "helper.py", 12), task=task, anchors=frozenset({12})
    )
    no_line = finding_view(Finding("run.failed", S.VIOLATION, "m"), task=task, anchors=frozenset())
    assert off_page.href == other_file.href == no_line.href == ""
    assert (other_file.location, no_line.location) == ("helper.py:12", "")


def test_run_rows_show_the_output_of_failed_runs_only(klass: Klass) -> None:
    results, _ = klass
    dave = by_id(results, "dave").tasks["task1"]
    rows = [run_row(m, o) for m, o in zip(dave.runs, dave.outcomes, strict=True)]
    failed, ok = rows[1], rows[0]
    assert failed.status.label == "failed" and "ValueError" in failed.stderr and failed.shows_output
    assert not ok.shows_output and ok.cells[0] == "6.00 %" and ok.cells[5] == "850 MB"
    assert failed.cells[:3] == ("—", "—", "—")


def test_observed_facts(klass: Klass) -> None:
    results, _ = klass
    outcomes = by_id(results, "alice").tasks["task1"].outcomes
    assert observed(outcomes) == (("training", "Model.fit"),)
    seeded = [
        replace(o, facts=replace(facts, seed_calls=("numpy.random.seed",)))
        for o in outcomes
        if (facts := o.facts) is not None
    ]
    assert ("seeding", "numpy.random.seed") in observed(seeded)
    assert observed([replace(outcomes[0], facts=None)]) == (
        ("harness", "no run reported its facts"),
    )


# ---------------------------------------------------------------------------------------- export


def test_grades_rows(klass: Klass) -> None:
    results, _ = klass
    rows = grades_rows(results, tasks=["task1", "task2"])
    assert rows[0][:3] == ["id", "task1_verdict", "task1_mean_error_pct"]
    assert len(rows[0]) == 20 and all(len(r) == 20 for r in rows)  # 1 + 2 tasks x 6 + 7
    table = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert table["dave"]["task1_violations"] == "run.failed;run.timeout"
    assert table["bob"]["task2_violations"] == "seed"  # the warning is not listed
    assert (
        table["carol"]["task2_mean_error_pct"] == ""
        and table["carol"]["task2_verdict"] == "missing"
    )
    assert table["alice"]["task1_mean_error_pct"] == "2.24"
    assert table["alice"]["task1_model_size"] == "52000"
    partial = grades_rows([student("x", {})], tasks=["task1"])
    assert partial[1] == ["x"] + [""] * 6 + [""] * 7


def test_write_grades_csv_round_trips(tmp_path: Path, klass: Klass) -> None:
    results, _ = klass
    path = write_grades_csv(results, tmp_path / "grades.csv", tasks=["task1", "task2"])
    with open(path, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == grades_rows(results, tasks=["task1", "task2"])
    assert path.stat().st_mode & 0o044  # readable by others, like any exported file


def test_the_readme_documents_every_grades_column(repo_root: Path) -> None:
    readme = (repo_root / "report_templates" / "README.md").read_text(encoding="utf-8")
    for column in grades_rows([], tasks=["<task>"])[0]:
        assert f"| `{column}` |" in readme


def test_an_alignment_failure_falls_back_to_positions(
    assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the aligner")

    monkeypatch.setattr("grader.report.diffview.align_provided", broken)
    text = edited(assignment, "task1", split=4500).replace("# a new random", "# a newer random")
    view, lines = diff_lines(assignment, text)
    assert view.complete  # the file is still shown whole
    assert {line.text for line in lines if line.violation} == {
        line.text for line in lines if line.kind != "context" and "order[:4" in line.text
    }


def test_the_aligner_runs_only_when_a_change_touches_a_provided_region(
    assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []

    def counted(*args: object) -> None:
        calls.append(args)
        raise ZeroDivisionError

    monkeypatch.setattr("grader.report.diffview.align_provided", counted)
    view, lines = diff_lines(assignment, edited(assignment, "task1"))  # student regions only
    assert (
        calls == []
        and view.changed
        and not any(line.violation or line.provided for line in lines if line.kind != "context")
    )
    diff_lines(assignment, edited(assignment, "task1", split=4100))
    assert len(calls) == 1
