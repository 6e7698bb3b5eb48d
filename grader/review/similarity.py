"""Every pair of hand-ins of one task, scored by the fingerprints their own code shares.

An inverted index from fingerprint to the files holding it finds the pairs that share anything,
so the cost grows with the matches, not with the square of the class. Fingerprints of the
provided original (everyone may retype what was handed out) and fingerprints that a large share
of the class holds (what the small task makes everyone write) are boilerplate and count for
nobody, as in MOSS and copydetect.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from grader.review.winnow import Fingerprints

#: a fingerprint held by more than this share of the class's students (and by more than two) is
#: the task's, not theirs; a solution passed round a quarter of the class hides behind it too
COMMON_SHARE = 0.25
#: a pair is listed from this score on, and warned about from SIMILAR_FROM (chosen on the corpus)
LISTED_FROM = 0.3
SIMILAR_FROM = 0.6
#: a file with fewer fingerprints than this (next to no own code) is never scored
MIN_PRINTS = 4

Lines = tuple[int, int]


@dataclass(frozen=True)
class Printed:
    """One hand-in of one task, fingerprinted: ``owner`` is a student id or a label."""

    owner: str
    kind: str  # "student", "reference" or "known" (an earlier class, a folder of solutions)
    sha256: str
    prints: Fingerprints


@dataclass(frozen=True)
class Fragment:
    """Lines of ``a`` and lines of ``b`` that share fingerprints."""

    a: Lines
    b: Lines


@dataclass(frozen=True)
class Pair:
    """Two hand-ins of one task; ``score`` is the shared share of the smaller one's prints."""

    task: str
    a: str
    b: str
    b_kind: str
    score: float
    shared: int
    identical: bool  # byte for byte the same file: the two also share their stored runs
    fragments: tuple[Fragment, ...]

    @property
    def similar(self) -> bool:
        """Whether the pair earns both students a ``similarity`` warning."""
        return self.identical or self.score >= SIMILAR_FROM


def compare(task: str, files: Sequence[Printed], *, boilerplate: frozenset[int] = frozenset(),
            listed_from: float = LISTED_FROM) -> list[Pair]:
    """Every pair with at least one student whose score reaches ``listed_from``, best first."""
    students = sum(1 for f in files if f.kind == "student")
    holders: dict[int, list[int]] = defaultdict(list)
    for index, file in enumerate(files):
        for h in file.prints.hashes - boilerplate:
            holders[h].append(index)
    limit = max(2, int(COMMON_SHARE * students))
    common = {h for h, owners in holders.items()
              if sum(1 for i in owners if files[i].kind == "student") > limit}
    shared: Counter[tuple[int, int]] = Counter()
    for h, owners in holders.items():
        if h not in common and len(owners) > 1:
            shared.update(combinations(owners, 2))
    counts = [len(f.prints.hashes - boilerplate - common) for f in files]
    pairs: list[Pair] = []
    candidates = set(shared) | _identical(files)
    for i, j in candidates:
        a, b = (files[i], files[j]) if files[i].kind == "student" else (files[j], files[i])
        if a.kind != "student":
            continue
        identical = a.sha256 == b.sha256
        smaller = min(counts[i], counts[j])
        score = 1.0 if identical else (
            shared[i, j] / smaller if smaller >= MIN_PRINTS else 0.0)
        if identical or score >= listed_from:
            both = (a.prints.hashes & b.prints.hashes) - boilerplate - common
            pairs.append(Pair(task, a.owner, b.owner, b.kind, round(score, 3), shared[i, j],
                              identical, _fragments(a.prints, b.prints, both)))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _identical(files: Sequence[Printed]) -> set[tuple[int, int]]:
    by_hash: dict[str, list[int]] = defaultdict(list)
    for index, file in enumerate(files):
        by_hash[file.sha256].append(index)
    return {pair for group in by_hash.values() for pair in combinations(group, 2)}


def _fragments(a: Fingerprints, b: Fingerprints, shared: frozenset[int]) -> tuple[Fragment, ...]:
    """The shared fingerprints' lines, merged where they overlap or touch on both sides."""
    spans = sorted((a.spans[h], b.spans[h]) for h in shared)
    merged: list[list[int]] = []
    for (a1, a2), (b1, b2) in spans:
        if merged and a1 <= merged[-1][1] + 1 and (
            merged[-1][2] - 1 <= b1 <= merged[-1][3] + 1
        ):
            last = merged[-1]
            last[1], last[2], last[3] = max(last[1], a2), min(last[2], b1), max(last[3], b2)
        else:
            merged.append([a1, a2, b1, b2])
    return tuple(Fragment((m[0], m[1]), (m[2], m[3])) for m in merged)
