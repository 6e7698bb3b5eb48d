"""Runtime checks: read the outcomes of a task's runs. Add a check: a class and a line below.

The classes that check an id the static stage checks too are named for what the harness observed
(``WeightsLoaded``, ``TrainedLayers``, ``FilesOpened`` ...), never like their static twins.
"""

from __future__ import annotations

from grader.checks.base import RuntimeCheck
from grader.checks.runtime.effects import (
    LateTraining,
    RequiredLayerIdle,
    SeedEffect,
    TrainingIneffective,
    WeightsSet,
)
from grader.checks.runtime.facts import (
    FilesOpened,
    SeedCalled,
    SocketsOpened,
    SubprocessesStarted,
    TestDataInTraining,
    TrainedLayers,
    TrainingNone,
    WeightsLoaded,
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
    TrainingIneffective(),
    WeightsLoaded(),
    WeightsSet(),
    TrainedLayers(),
    RequiredLayerIdle(),
    SeedCalled(),
    SeedEffect(),
    TestDataInTraining(),
    LateTraining(),
    FilesOpened(),
    SocketsOpened(),
    SubprocessesStarted(),
    ParamsMax(),
    ErrorMax(),
    TimeMax(),
    RunsDeterministic(),
]
