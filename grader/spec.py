"""The assignment spec (``assignment.toml``): tasks, files, dataset and limits, as data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.materials import SPEC_NAME, MaterialsError, default_spec


@dataclass(frozen=True)
class Limits:
    hard_timeout_s: float
    memory_mb: int
    output_kb: int
    processes: int
    threads: int  # per run, fixed by the spec (at least 1): no grader flag changes a run's time


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
    """Read the spec at ``path`` (see ``spec_file``); paths inside it resolve against its folder,
    so an assignment folder works from any working folder."""
    spec_path = spec_file(path)
    try:
        data = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SpecError(f"assignment spec not found: {spec_path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the assignment spec {spec_path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{spec_path}: not valid TOML: {exc}") from exc
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
                max_params=int(t["max_params"]),
                max_error_pct=float(t["max_error_pct"]),
                high_performance_error_pct=float(t["high_performance_error_pct"]),
                max_mean_duration_s=float(t["max_mean_duration_s"]),
            )
            for t in data["tasks"]
        )
        assignment = Assignment(
            name=data["name"],
            runs=int(data["runs"]),
            dataset=root / data["dataset"],
            dataset_sha256=data["dataset_sha256"],
            limits=limits,
            tasks=tasks,
            root=root,
            output_fields=tuple(data.get("output_fields", Assignment.output_fields)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{spec_path}: malformed spec: {exc!r}") from exc
    threads = assignment.limits.threads
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise SpecError(f"{spec_path}: [limits] threads must be a whole number of threads per "
                        f"run, at least 1 (got {threads!r})")
    if set(assignment.output_fields) != {"error_pct", "model_size", "duration_s"}:
        raise SpecError(f"{spec_path}: output_fields must name error_pct, model_size, duration_s")
    for task in assignment.tasks:
        if task.required_layer not in ("convolution", "recurrent"):
            raise SpecError(
                f"{spec_path}: {task.id}: unknown required_layer {task.required_layer!r}"
            )
        if not task.original.is_file():
            raise SpecError(f"{spec_path}: {task.id}: original not found: {task.original}")
    return assignment
