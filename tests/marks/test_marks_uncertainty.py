"""The interval of a mean error and borderline verdicts: a line inside the interval draws the eye,
one outside it does not, and the rule (the mean) still decides the verdict and the mark."""

from __future__ import annotations

import statistics

import pytest

from grader.marks import mark_task
from grader.marks.uncertainty import interval, t_interval
from grader.records import Finding, Severity, Verdict
from grader.spec import Assignment
from tests.marks.test_marks_scheme import task_result


def test_the_t_interval_of_five_runs() -> None:
    errors = [10.0, 9.7, 10.0, 10.5, 9.0]
    low, high = t_interval(errors, confidence=0.95) or (0.0, 0.0)
    mean, spread = statistics.fmean(errors), statistics.stdev(errors) / 5 ** 0.5
    # t(0.975, 4) = 2.776 (any table): wider than the normal's 1.96
    assert low == pytest.approx(mean - 2.776 * spread, abs=2e-3)
    assert high == pytest.approx(mean + 2.776 * spread, abs=2e-3)
    assert t_interval([10.0], confidence=0.95) is None


def test_a_threshold_inside_the_interval_is_borderline(assignment: Assignment) -> None:
    task = assignment.task("task2")
    weak = task_result(Verdict.VALID, 10.0, 9.7, 10.0, 10.5, 8.0, task="task2")
    found = interval(weak, task=task, scheme=assignment.marking, confidence=0.95)
    assert found is not None and found.thresholds == (9.0,)
    mark = mark_task(weak, task=task, scheme=assignment.marking or pytest.fail(),
                     confidence=0.95)
    assert mark.borderline and mark.verdict == "valid" and mark.share == 70  # the rule decides


def test_a_clear_verdict_is_not_borderline(assignment: Assignment) -> None:
    task = assignment.task("task1")
    clear = task_result(Verdict.HIGH_PERFORMANCE, 3.1, 3.4, 2.9, 3.8, 3.3)
    found = interval(clear, task=task, scheme=assignment.marking, confidence=0.95)
    assert found is not None and not found.borderline


def test_an_invalid_task_for_another_reason_is_never_borderline(assignment: Assignment) -> None:
    task = assignment.task("task1")
    seeded = task_result(Verdict.INVALID, 10.0, 9.7, 10.0, 10.5, 8.0,
                         findings=(Finding("seed", Severity.VIOLATION, "seeded"),))
    found = interval(seeded, task=task, scheme=assignment.marking, confidence=0.95)
    assert found is not None and not found.borderline
    over = task_result(Verdict.INVALID, 12.5, 11.0, 13.0, 12.2, 11.9,
                       findings=(Finding("error.max", Severity.VIOLATION, "over"),))
    found = interval(over, task=task, scheme=assignment.marking, confidence=0.95)
    assert found is not None and found.thresholds == (12.0,)  # invalid only for its error
