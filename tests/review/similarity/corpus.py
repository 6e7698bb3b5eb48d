"""The similarity corpus: the example class and the reference, copied under every transformation.

Copies (positives) are each base hand-in against each transformation of it; honest pairs
(negatives) are every two different authors, before and after transformations, which are merely
alike because the task is small. Built in memory from ``submissions/`` and ``reference/solution/``
with a fixed random seed, so every evaluation sees the same corpus.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from grader.diff.align import align_provided
from grader.original.parse import parse_original
from grader.spec import Assignment, TaskSpec

from .transforms import TRANSFORMS, everything

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class CorpusFile:
    author: str
    variant: str  # "base", a transformation's name, or "all"
    task: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.author}--{self.variant}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def own_lines(text: str, task: TaskSpec) -> frozenset[int]:
    """Every line outside the provided regions (where a student may change anything)."""
    alignment = align_provided(parse_original(task), text)
    provided = {line for m in alignment.matches if m.lines
                for line in range(min(m.lines), max(m.lines) + 1)}
    return frozenset(range(1, len(text.splitlines()) + 1)) - provided


@cache
def build(assignment: Assignment, seed: int = 2026) -> tuple[CorpusFile, ...]:
    """Every base hand-in and its transformed copies, for every task."""
    rng = random.Random(seed)
    files: list[CorpusFile] = []
    for task in assignment.tasks:
        bases = {p.parent.name.split("_")[-1]: p.read_text(encoding="utf-8")
                 for p in sorted((ROOT / "submissions").glob(f"*/{task.file}"))}
        bases["reference"] = task.solution.read_text(encoding="utf-8")
        for author, text in bases.items():
            files.append(CorpusFile(author, "base", task.id, text))
            for name, transform in TRANSFORMS.items():
                copy = transform(text, own_lines(text, task), rng)
                if copy != text:
                    files.append(CorpusFile(author, name, task.id, copy))
            files.append(CorpusFile(author, "all", task.id,
                                    everything(text, partial(own_lines, task=task), rng)))
    return tuple(files)


def labelled_pairs(files: tuple[CorpusFile, ...]) -> list[tuple[CorpusFile, CorpusFile, bool]]:
    """(a, b, copied): each base with its own copies (True) and different authors (False)."""
    pairs = []
    for i, a in enumerate(files):
        for b in files[i + 1:]:
            if a.task != b.task:
                continue
            if a.author == b.author:
                if a.variant == "base":
                    pairs.append((a, b, True))
            else:
                pairs.append((a, b, False))
    return pairs
