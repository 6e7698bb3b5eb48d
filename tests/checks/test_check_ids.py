"""One table of check ids: the enum, the README, the registries and the code that finds them agree.

Findings' ids are a contract read by results.json, grades.csv and instructors' filters, so each
id must be produced somewhere, documented once, and spelled by the enum, never as a literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from grader.checks.base import RuntimeCheck, StaticCheck
from grader.checks.diff import DIFF_CHECKS
from grader.checks.runtime import RUNTIME_CHECKS
from grader.checks.static import STATIC_CHECKS
from grader.ids import CHECKS, CheckId, Stage
from grader.records import Severity

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "grader"
REGISTRIES: dict[Stage, list[StaticCheck] | list[RuntimeCheck]] = {
    Stage.DIFF: DIFF_CHECKS, Stage.STATIC: STATIC_CHECKS, Stage.RUNTIME: RUNTIME_CHECKS
}
#: the ids found before any check runs, and the modules that find them
INTAKE_PRODUCERS = {
    CheckId.FILES_MISSING: {"checks/stage.py"},
    CheckId.FILES_EXTRA: {"intake/discover.py"},
    CheckId.FILES_UNREADABLE: {"intake/discover.py", "checks/stage.py"},
    CheckId.FILES_RENAMED: {"intake/discover.py"},
    CheckId.FILES_AMBIGUOUS: {"intake/discover.py"},
    CheckId.SYNTAX: {"checks/stage.py"},
    CheckId.SOURCE_ENCODING: {"intake/discover.py"},
}
IDS = {str(member) for member in CheckId}


def readme_table() -> list[tuple[str, str, str, str]]:
    """The rows of README.md's "Checks" table: (stage, id, severity, finds)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Checks\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        found = re.fullmatch(r"\| ([^|]+) \| `([^`]+)` \| (\w+) \| (.+) \|", line)
        if found:
            rows.append((found[1], found[2], found[3], found[4]))
    return rows


def test_the_readme_table_is_the_enum_and_its_table() -> None:
    expected = [
        (" / ".join(info.stages), str(check_id), info.severity, info.finds)
        for check_id, info in CHECKS.items()
    ]
    assert readme_table() == expected


def test_the_table_holds_every_member_once_and_nothing_else() -> None:
    assert list(CHECKS) == list(CheckId)
    assert all(Severity(info.severity) for info in CHECKS.values())
    warnings = {str(c) for c, info in CHECKS.items() if Severity(info.severity) is Severity.WARNING}
    assert warnings == {"files.extra", "files.renamed", "diff.excessive", "runs.deterministic",
                        "similarity"}


def test_every_registered_check_has_a_member_id_and_its_severity() -> None:
    for checks in REGISTRIES.values():
        for check in checks:
            assert isinstance(check.id, CheckId), type(check).__name__
            assert check.severity == Severity(CHECKS[check.id].severity)


def test_each_id_is_produced_where_the_table_says() -> None:
    """A registry's stage for the ids its checks carry, the intake for the ids its modules find."""
    produced: dict[CheckId, set[Stage]] = {member: set() for member in CheckId}
    for stage, checks in REGISTRIES.items():
        for check in checks:
            produced[check.id].add(stage)
    for check_id in _intake_ids():
        produced[check_id].add(Stage.INTAKE)
    produced[CheckId.SIMILARITY].add(Stage.REVIEW)  # grader.review.stage compares the class
    assert {c: set(info.stages) for c, info in CHECKS.items()} == produced


def _intake_ids() -> set[CheckId]:
    """The ids the intake modules put in a ``Finding(CheckId.X, ...)``, checked per module."""
    found: dict[CheckId, set[str]] = {}
    for module in {m for modules in INTAKE_PRODUCERS.values() for m in modules}:
        tree = ast.parse((PACKAGE / module).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Finding"
                and node.args
                and isinstance(node.args[0], ast.Attribute)
                and isinstance(node.args[0].value, ast.Name)
                and node.args[0].value.id == "CheckId"
            ):
                found.setdefault(CheckId[node.args[0].attr], set()).add(module)
    assert found == INTAKE_PRODUCERS
    return set(found)


def test_no_class_name_exists_twice_across_the_registries() -> None:
    """Run-time twins are named for what they observe, so a name points at one class."""
    names = [type(check).__name__ for checks in REGISTRIES.values() for check in checks]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    twins = [
        (stage, check.id)
        for stage in (Stage.STATIC, Stage.RUNTIME)
        for check in REGISTRIES[stage]
    ]
    assert len(twins) > len({check_id for _, check_id in twins})  # there are twins to tell apart


def test_no_module_spells_an_id_as_a_string_literal() -> None:
    """Comparisons, ``Finding(...)`` and a check's ``id`` use ``CheckId``, never a literal.

    The child-side harness is left out: it imports nothing of the grader's.
    """
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "ids.py" or "harness" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            for literal in _id_literals(node):
                offences.append(f"{path.relative_to(PACKAGE)}:{literal.lineno}: {literal.value!r}")
    assert offences == []


def _id_literals(node: ast.AST) -> list[ast.Constant]:
    candidates: list[ast.expr] = []
    if isinstance(node, ast.Compare):
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.Set | ast.Tuple | ast.List):
                candidates += operand.elts
            else:
                candidates.append(operand)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "Finding" and node.args:
            candidates.append(node.args[0])
    elif isinstance(node, ast.ClassDef):
        for statement in node.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and "id" in {
                t.id for t in _targets(statement) if isinstance(t, ast.Name)
            } and statement.value is not None:
                candidates.append(statement.value)
    return [
        c for c in candidates
        if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in IDS
    ]


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(statement.targets) if isinstance(statement, ast.Assign) else [statement.target]


def test_the_literal_guard_catches_each_spelling() -> None:
    """The near misses of the test above: each way an id was once typed out is caught."""
    source = (
        'if f.check == "syntax": pass\n'
        'if f.check in {"files.missing", "x"}: pass\n'
        'Finding("files.extra", Severity.WARNING, "m")\n'
        'class C:\n    id = "seed"\n'
        'label = "seed"\n'  # a plain string, e.g. a keyword's name: not an id in use
        'if f.check == CheckId.SEED: pass\n'
    )
    found = [str(c.value) for node in ast.walk(ast.parse(source)) for c in _id_literals(node)]
    assert sorted(found) == ["files.extra", "files.missing", "seed", "syntax"]
