"""Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003) over the grader's own token streams.

The canonical code (``grader.review.canonical``) is tokenised by ``grader.pysource.tokens``, one
character per token; every run of ``k`` tokens is hashed and, of every ``window`` consecutive
hashes, the smallest is kept. Two files that share a run of at least ``k + window - 1`` tokens
are guaranteed to share a fingerprint; shorter shared runs are ignored, which keeps the chance
matches of a small task out. The hashes are Python's string hashes: they differ between
processes, so one comparison fingerprints every file in one process.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.pysource.tokens import tokenise
from grader.review.canonical import Canonical

#: tokens per k-gram and k-grams per window, chosen on the generated corpus (see the README)
K = 12
WINDOW = 8


@dataclass(frozen=True)
class Fingerprints:
    """The selected hashes of one file, each with the source lines its k-gram covers."""

    spans: dict[int, tuple[int, int]]  # hash -> first and last source line (first occurrence)
    tokens: int  # how many tokens the canonical code has

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(self.spans)


def fingerprint(code: Canonical, *, k: int = K, window: int = WINDOW) -> Fingerprints:
    """The winnowed fingerprints of canonical ``code`` (valid Python by construction)."""
    if not code.text:
        return Fingerprints({}, 0)
    tokens = tokenise(code.text)
    text = tokens.code
    grams = [hash(text[i : i + k]) for i in range(len(text) - k + 1)]
    chosen: dict[int, tuple[int, int]] = {}
    last = -1
    for start in range(max(1, len(grams) - window + 1)):
        block = grams[start : start + window]
        if not block:
            break
        low = min(block)
        at = start + max(i for i, h in enumerate(block) if h == low)  # the rightmost minimum
        if at != last:
            last = at
            if low not in chosen:
                # closing DEDENTs sit on the line after the last one: clamp to the text
                first_line = min(tokens.lines[at][0], len(code.spans))
                last_line = min(tokens.lines[at + k - 1][1], len(code.spans))
                chosen[low] = (code.spans[first_line - 1][0], code.spans[last_line - 1][1])
    return Fingerprints(chosen, len(text))
