"""The instructor's report: a static HTML site (class overview, leaderboard, a page per student)
and the ``grades.csv`` export, built from the typed records only (nothing is run here)."""

from grader.report.exports import write_grades_csv
from grader.report.render import render_report

__all__ = ["render_report", "write_grades_csv"]
