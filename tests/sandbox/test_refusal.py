"""Never unconfined by accident: where no layer works, student code runs only when told."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.cli import main
from grader.pipeline import _require_isolation
from grader.run.planning import GradingError, Settings
from grader.sandbox.detect import LAYERS_VARIABLE, detect_isolation

ROOT = Path(__file__).resolve().parents[2]


class _Unconfined:
    isolation_kind = "none"
    closed = False

    def close(self) -> None:
        self.closed = True


def _settings(*, no_isolation: bool) -> Settings:
    return Settings(runs=1, jobs=1, tasks=("task1",), timeout_s=10.0, threads=1, analysis=False,
                    no_isolation=no_isolation)


def test_no_layer_stops_the_command_with_one_line_and_writes_nothing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(LAYERS_VARIABLE, "none")  # names no layer: none is tried
    assert detect_isolation().kind == "none"
    out = tmp_path / "out"
    code = main(["run", str(ROOT / "submissions"), "--out", str(out), "--runs", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "refusing to run student code unconfined" in err[0] and "--no-isolation" in err[0]
    assert not out.exists()


def test_no_isolation_is_the_explicit_way_through() -> None:
    with pytest.raises(GradingError, match="refusing to run student code unconfined"):
        executor = _Unconfined()
        _require_isolation(executor, _settings(no_isolation=False))  # type: ignore[arg-type]
    assert executor.closed
    allowed = _Unconfined()
    _require_isolation(allowed, _settings(no_isolation=True))  # type: ignore[arg-type]
    assert not allowed.closed


def test_a_confined_executor_passes() -> None:
    confined = _Unconfined()
    confined.isolation_kind = "namespaces"
    _require_isolation(confined, _settings(no_isolation=False))  # type: ignore[arg-type]
    assert not confined.closed
