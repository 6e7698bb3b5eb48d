"""Runtime checks: read the outcomes of a task's runs. Add a check: a class and a line below."""

from __future__ import annotations

from grader.checks.base import RuntimeCheck
from grader.checks.runtime.facts import (
    LayersRequired,
    Pretrained,
    SandboxFile,
    SandboxNetwork,
    SandboxProcess,
    SeedCalled,
    TestDataInTraining,
    TrainingNone,
)
from grader.checks.runtime.limits import ErrorMax, ParamsMax, TimeMax
from grader.checks.runtime.output import OutputFormat, OutputMismatch
from grader.checks.runtime.runs import (
    DatasetModified,
    RunFailed,
    RunMemory,
    RunsDeterministic,
    RunTimeout,
)

RUNTIME_CHECKS: list[RuntimeCheck] = [
    RunFailed(),
    RunTimeout(),
    RunMemory(),
    DatasetModified(),
    OutputFormat(),
    OutputMismatch(),
    TrainingNone(),
    Pretrained(),
    LayersRequired(),
    SeedCalled(),
    TestDataInTraining(),
    SandboxFile(),
    SandboxNetwork(),
    SandboxProcess(),
    ParamsMax(),
    ErrorMax(),
    TimeMax(),
    RunsDeterministic(),
]
