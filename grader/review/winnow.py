"""Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003) over the grader's own token streams.

The canonical code (``grader.review.canonical``) is tokenised by ``grader.pysource.tokens``, one
character per token; every run of ``k`` tokens is hashed and, of every ``window`` consecutive
hashes, the smallest is kept. Two files that share a run of at least ``k + window - 1`` tokens
are guaranteed to share a fingerprint; shorter shared runs are ignored, which keeps the chance
matches of a small task out. The hashes are the same in every process and on every run (a
re-rendered report shows the same scores): each token stands for a 64-bit BLAKE2b digest of its
type and text, and a k-gram is hashed as a tuple of those integers, which Python hashes without
the per-process salt it gives strings.

Why not a library: copydetect (winnowing on Pygments tokens) and Dolos (tree-sitter, Node) were
measured on the same generated corpus (README, "Similarity";
``tests/benchmarks/eval_similarity.py``): copydetect missed the copies with changed literals and
took 10 s for 300 students, Dolos needs a Node runtime and missed most ``Sequential``-list /
``model.add`` swaps. Winnowing itself is a few lines; what matters is the canonical form it runs
on, which only the grader's own alignment (the provided regions left out) and token streams give.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from grader.pysource.tokens import symbol_key, tokenise
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
    ids = [_stable(symbol) for symbol in text]
    grams = [hash(tuple(ids[i : i + k])) for i in range(len(text) - k + 1)]
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


@lru_cache(maxsize=65536)
def _stable(symbol: str) -> int:
    """The same integer for the same token in every process."""
    digest = hashlib.blake2b(repr(symbol_key(symbol)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
