"""The assignment spec (``assignment.toml``): tasks, files, dataset and limits, as data."""

from __future__ import annotations

import csv
import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.materials import SPEC_NAME, MaterialsError, default_spec


@dataclass(frozen=True)
class Limits:
    hard_timeout_s: float
    memory_mb: int
    output_kb: int
    processes: int
    threads: int  # per run, fixed by the spec (at least 1): no grader flag changes a run's time
    disk_mb: int = 1024  # the work folder's size under isolation (a tmpfs), and its files
    inodes: int = 16384


@dataclass(frozen=True)
class TaskSpec:
    id: str
    file: str
    title: str
    original: Path
    solution: Path
    required_layer: str  # "convolution" or "recurrent"
    max_params: int
    max_error_pct: float
    high_performance_error_pct: float
    max_mean_duration_s: float


# ------------------------------------------------------------------------------------ deadline
# The deadline, its grace period, the late policy and the extensions (``[deadline]``):
#
#     [deadline]
#     due = 2026-11-27T17:00:00          # local time in time_zone (a TOML local date-time)
#     time_zone = "Europe/London"
#     grace_minutes = 15                 # after ``due``, still on time
#     late_deduction_pct_per_day = 10.0  # per started day after the grace period
#     cutoff_days = 7                    # past this many days late: not graded under the policy
#     extensions = "extensions.csv"      # student,deadline,reason (deadline in time_zone)
#
# The deadline is a wall-clock time in a named time zone (``zoneinfo``), so a class across a
# daylight-saving change is judged on the clock the students saw. What the policy does to a
# hand-in is computed in ``grader.intake.lateness``.


class DeadlineError(ValueError):
    """The ``[deadline]`` table or its extensions file cannot be used."""


@dataclass(frozen=True)
class Extension:
    student: str  # the student id as graded (the VLE identifier when a roster is used)
    due: datetime
    reason: str


@dataclass(frozen=True)
class DeadlinePolicy:
    due: datetime  # aware, in ``zone``
    zone: str
    grace: timedelta = timedelta(0)
    deduction_pct_per_day: float = 0.0
    cutoff_days: int | None = None
    extensions: dict[str, Extension] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def due_for(self, student: str) -> tuple[datetime, str]:
        """The deadline that applies to ``student`` and the extension's reason ("" if none)."""
        extension = self.extensions.get(student)
        return (extension.due, extension.reason) if extension else (self.due, "")


def parse_local(value: Any, zone: ZoneInfo, *, what: str) -> datetime:
    """A TOML or CSV date-time as an aware datetime; a naive one is read in ``zone``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise DeadlineError(f"{what}: not an ISO 8601 date-time: {value!r}") from exc
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.max.time().replace(microsecond=0))
    if not isinstance(value, datetime):
        raise DeadlineError(f"{what}: not a date-time: {value!r}")
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def load_policy(data: dict[str, Any], *, root: Path) -> DeadlinePolicy:
    """The ``[deadline]`` table of the spec; the extensions file is relative to the spec."""
    try:
        zone = ZoneInfo(str(data.get("time_zone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DeadlineError(f"[deadline] time_zone: unknown time zone {data.get('time_zone')!r}"
                            ) from exc
    if "due" not in data:
        raise DeadlineError("[deadline] needs a due date-time")
    cutoff = data.get("cutoff_days")
    try:
        policy = DeadlinePolicy(
            due=parse_local(data["due"], zone, what="[deadline] due"),
            zone=zone.key,
            grace=timedelta(minutes=float(data.get("grace_minutes", 0))),
            deduction_pct_per_day=float(data.get("late_deduction_pct_per_day", 0.0)),
            cutoff_days=None if cutoff is None else int(cutoff),
        )
    except (TypeError, ValueError) as exc:
        raise DeadlineError(f"[deadline]: {exc}") from exc
    if "extensions" in data:
        extensions = read_extensions(root / str(data["extensions"]), zone=zone)
        policy = DeadlinePolicy(policy.due, policy.zone, policy.grace,
                                policy.deduction_pct_per_day, policy.cutoff_days, extensions)
    return policy


def read_extensions(path: Path, *, zone: ZoneInfo) -> dict[str, Extension]:
    """``student,deadline,reason`` rows (a header row naming them is required)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DeadlineError(f"extensions file {path}: {exc.strerror or exc}") from exc
    rows = csv.DictReader(text.splitlines())
    header = {name.strip().lower() for name in rows.fieldnames or ()}
    if not {"student", "deadline"} <= header:
        raise DeadlineError(f"extensions file {path}: the header must name student, deadline "
                            "and reason")
    out: dict[str, Extension] = {}
    for number, row in enumerate(rows, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        student = cells.get("student", "")
        if not student:
            continue
        due = parse_local(cells.get("deadline", ""), zone, what=f"{path}:{number}")
        out[student] = Extension(student, due, cells.get("reason", ""))
    return out


# ------------------------------------------------------------------------------------- marking
# How verdicts become marks (``[marking]``); the marks themselves are computed in ``grader.marks``:
#
#     [marking]
#     weights = { task1 = 50, task2 = 50 }      # or weight = 50 in each [[tasks]]: the scale
#                                               # is their sum (default: 100 shared alike)
#     shares = { high_performance = 100, valid = 70 }   # % of a task's marks (others: 0)
#     valid_steps = [ { error_pct = 10.5, share = 80 } ]  # a valid task at or under error_pct
#     deductions = { "diff.excessive" = 5 }     # points of the task's share, once per check id
#     late = "full_mark"                        # [deadline]'s deduction: of the full mark
#     confidence = 0.95                         # of the interval of the mean error


class MarkingError(ValueError):
    """The ``[marking]`` table cannot be used."""


@dataclass(frozen=True)
class Step:
    """A valid task whose mean error is at or under ``error_pct`` earns ``share`` (%)."""

    error_pct: float
    share: float


LATE_MODES = ("full_mark", "mark", "none")


@dataclass(frozen=True)
class MarkingScheme:
    weights: dict[str, float]  # task id -> its marks
    shares: dict[str, float]  # verdict value -> % of the task's marks
    valid_steps: tuple[Step, ...] = ()  # lowest error first
    deductions: dict[str, float] = field(default_factory=dict)  # check id -> points of share
    late: str = "full_mark"  # what the late policy's % is of: the full mark, the mark, or none
    confidence: float = 0.95

    @property
    def out_of(self) -> float:
        return sum(self.weights.values())


def load_marking(data: dict[str, Any], *, task_ids: tuple[str, ...],
                 task_weights: dict[str, Any] | None = None) -> MarkingScheme:
    """The ``[marking]`` table, checked: known tasks, verdicts and check ids; shares 0-100.

    A task's weight is its ``[[tasks]]`` table's ``weight`` (or ``[marking]``'s ``weights``);
    without any, the tasks share 100 alike."""
    from grader.ids import CheckId

    verdicts = ("high_performance", "valid", "invalid", "missing", "incomplete")
    try:
        given = {**(task_weights or {}), **data.get("weights", {})}
        weights = {str(k): float(v) for k, v in (
            given or dict.fromkeys(task_ids, 100 / max(1, len(task_ids)))).items()}
        shares = {str(k): float(v) for k, v in data.get("shares", {}).items()}
        steps = tuple(sorted((Step(float(s["error_pct"]), float(s["share"]))
                              for s in data.get("valid_steps", ())), key=lambda s: s.error_pct))
        deductions = {str(k): float(v) for k, v in data.get("deductions", {}).items()}
        scheme = MarkingScheme(weights, shares, steps, deductions,
                               str(data.get("late", "full_mark")),
                               float(data.get("confidence", 0.95)))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MarkingError(f"[marking]: {exc!r}") from exc
    wrong = ([f"weights: unknown task {k!r}" for k in weights if k not in task_ids]
             + [f"weights: {k} has none" for k in task_ids if k not in weights]
             + [f"shares: unknown verdict {k!r}" for k in shares if k not in verdicts]
             + [f"deductions: unknown check id {k!r}" for k in deductions
                if k not in set(CheckId)]
             + [f"{what} must be 0-100 (got {v:g})" for what, v in
                [*(("a share", v) for v in shares.values()),
                 *(("a step's share", s.share) for s in steps),
                 *(("a deduction", v) for v in deductions.values())] if not 0 <= v <= 100]
             + ([f"late must be one of {', '.join(LATE_MODES)}"] if scheme.late not in LATE_MODES
                else [])
             + (["confidence must lie between 0 and 1"] if not 0 < scheme.confidence < 1 else [])
             + (["weights must add up to more than 0"] if scheme.out_of <= 0 or
                any(v < 0 for v in weights.values()) else []))
    if wrong:
        raise MarkingError("[marking]: " + "; ".join(wrong))
    return scheme


@dataclass(frozen=True)
class Assignment:
    name: str
    runs: int
    dataset: Path
    dataset_sha256: str
    limits: Limits
    tasks: tuple[TaskSpec, ...]
    root: Path  # the folder the spec lives in
    output_fields: tuple[str, ...] = ("error_pct", "model_size", "duration_s")
    deadline: DeadlinePolicy | None = None  # [deadline]: none set, no lateness is computed
    marking: MarkingScheme | None = None  # [marking]: none set, no marks are computed

    def task(self, task_id: str) -> TaskSpec:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(f"no task {task_id!r} in {self.name!r}")

    def task_for_file(self, file_name: str) -> TaskSpec | None:
        for task in self.tasks:
            if task.file == file_name:
                return task
        return None


class SpecError(ValueError):
    """The spec file is missing, malformed or names files that do not exist."""


def spec_file(path: Path | str | None = None) -> Path:
    """The spec file that ``path`` names: a spec file, an assignment folder (its
    ``assignment.toml``), or None for the assignment the grader ships with."""
    if path is None:
        try:
            return default_spec()
        except MaterialsError as exc:
            raise SpecError(str(exc)) from exc
    given = Path(path)
    return given / SPEC_NAME if given.is_dir() else given


def load_assignment(path: Path | str | None = None) -> Assignment:
    """Read the spec at ``path`` (see ``spec_file``) and validate it; paths inside it resolve
    against its folder, so an assignment folder works from any working folder. Every fault is
    one SpecError line (the CLI exits 2 on it)."""
    spec_path = spec_file(path)
    data = _read_toml(spec_path)
    root = spec_path.resolve().parent
    try:
        limits = Limits(**data["limits"])
        tasks = tuple(
            TaskSpec(
                id=t["id"],
                file=t["file"],
                title=t.get("title", t["id"]),
                original=root / t["original"],
                solution=root / t["solution"],
                required_layer=t["required_layer"],
                max_params=_task_number(t, "max_params", whole=True),
                max_error_pct=float(_task_number(t, "max_error_pct")),
                high_performance_error_pct=float(_task_number(t, "high_performance_error_pct")),
                max_mean_duration_s=float(_task_number(t, "max_mean_duration_s")),
            )
            for t in data["tasks"]
        )
        assignment = Assignment(
            name=data["name"],
            runs=_positive(data["runs"], "runs", whole=True),
            dataset=root / data["dataset"],
            dataset_sha256=data["dataset_sha256"],
            limits=limits,
            tasks=tasks,
            root=root,
            output_fields=tuple(data.get("output_fields", Assignment.output_fields)),
            deadline=load_policy(data["deadline"], root=root) if "deadline" in data else None,
        )
        _check_numbers(assignment)
    except (_Invalid, DeadlineError) as exc:
        raise SpecError(f"{spec_path}: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{spec_path}: malformed spec: {exc!r}") from exc
    for kind in ("id", "file"):
        names = [getattr(task, kind) for task in assignment.tasks]
        if repeated := sorted({n for n in names if names.count(n) > 1}):
            raise SpecError(f"{spec_path}: task {kind}s must be unique: "
                            f"{', '.join(map(str, repeated))} is given more than once")
    if not assignment.tasks:
        raise SpecError(f"{spec_path}: the spec names no [[tasks]]")
    if set(assignment.output_fields) != {"error_pct", "model_size", "duration_s"}:
        raise SpecError(f"{spec_path}: output_fields must name error_pct, model_size, duration_s")
    for task in assignment.tasks:
        if task.required_layer not in ("convolution", "recurrent"):
            raise SpecError(
                f"{spec_path}: {task.id}: unknown required_layer {task.required_layer!r}"
            )
        if not task.original.is_file():
            raise SpecError(f"{spec_path}: {task.id}: original not found: {task.original}")
    if "marking" in data:  # last: it names the tasks, which must be known and unique first
        try:
            weights = {t["id"]: t["weight"] for t in data["tasks"] if "weight" in t}
            assignment = replace(assignment, marking=load_marking(
                data["marking"], task_ids=tuple(t.id for t in assignment.tasks),
                task_weights=weights))
        except MarkingError as exc:
            raise SpecError(f"{spec_path}: {exc}") from exc
    return assignment


class _Invalid(ValueError):
    """One value of the spec is out of its range (the caller adds the file's name)."""


def _read_toml(spec_path: Path) -> dict[str, Any]:
    """The spec's TOML table; a missing, unreadable, non-UTF-8 or malformed file is a SpecError
    (never a traceback): ``--assignment`` names a file the user typed."""
    try:
        return tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SpecError(f"assignment spec not found: {spec_path}") from exc
    except IsADirectoryError as exc:
        raise SpecError(f"cannot read the assignment spec {spec_path}: a folder, not a spec "
                        "file") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read the assignment spec {spec_path}: not UTF-8 text (byte "
                        f"{exc.start}): save it as UTF-8") from exc
    except OSError as exc:
        raise SpecError(f"cannot read the assignment spec {spec_path}: "
                        f"{exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{spec_path}: not valid TOML: {exc}") from exc


def _positive(value: object, name: str, *, whole: bool) -> Any:
    """``value`` if it is a finite number above 0 (a whole one if ``whole``); else _Invalid.

    A limit of 0 or below would make every run fail, or no run happen, for reasons no student
    could see; a bool is not a number here even though Python says it is an int."""
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        raise _Invalid(f"{name} must be {kind} above 0 (got {value!r})")
    if not math.isfinite(value) or value <= 0:
        raise _Invalid(f"{name} must be {kind} above 0 (got {value!r})")
    return value


def _task_number(table: dict[str, Any], name: str, *, whole: bool = False) -> Any:
    return _positive(table[name], f"{table['id']}: {name}", whole=whole)


def _check_numbers(assignment: Assignment) -> None:
    """Every numeric limit and task limit is above 0 (whole where the field is an int)."""
    for limit in fields(Limits):
        if limit.type in ("int", "float"):
            _positive(getattr(assignment.limits, limit.name), f"[limits] {limit.name}",
                      whole=limit.type == "int")
    for task in assignment.tasks:
        if not isinstance(task.id, str) or not isinstance(task.file, str):
            raise _Invalid(f"{task.id!r}: a task's id and file must be strings")
