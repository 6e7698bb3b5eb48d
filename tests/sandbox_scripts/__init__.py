"""Small non-TensorFlow scripts that misbehave in one way each, and a RunSpec factory for them."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from grader.records import RunSpec

HERE = Path(__file__).resolve().parent
DATASET = HERE.parent.parent / "data" / "dataset.txt"
DATASET_SHA256 = hashlib.sha256(DATASET.read_bytes()).hexdigest()

BASE = RunSpec(
    submission_id="s0000000_sandbox", task="task1", index=0, script_name="task1.py",
    script_text="", script_sha256="0" * 64, dataset_path=str(DATASET),
    dataset_sha256=DATASET_SHA256, timeout_s=20.0, memory_mb=1024, output_kb=16, processes=256,
    threads=1,
)


def script_spec(name: str, replace: dict[str, str] | None = None, **fields: Any) -> RunSpec:
    """A spec running the script ``name`` (with textual ``replace``-ments) under ``fields``."""
    text = (HERE / name).read_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return dataclasses.replace(BASE, script_text=text, **fields)


def alive_with(token: str) -> list[int]:
    """Pids of the processes whose command line holds ``token`` (to prove a kill)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
