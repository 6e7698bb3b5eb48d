"""Review notes on readability: what established linters say about a student's own lines.

Advisory only: a note is never a finding, a verdict or a mark. The notes come from ruff (one
process for the whole class: it lints hundreds of files in well under a second) and vulture
(unreachable code, which ruff no longer has); only repeated magic numbers are counted here, on
Python's own tokens, because no linter counts repeats (ruff's PLR2004 flags comparisons only).
Rules: https://docs.astral.sh/ruff/rules/ (F401, F841, F821, F403, F405, A001, A002, C901,
ERA001, PLR2004) and https://github.com/jendrikseipp/vulture (``unreachable_code``). ruff's
``--output-format json`` is an array of diagnostics with ``filename``, ``code`` (null for a syntax
error), ``location`` (``row``, ``column``) and ``message``, as its maintainers show it in
https://github.com/astral-sh/ruff/issues/11329; ``lint.mccabe.max-complexity`` is documented at
https://docs.astral.sh/ruff/settings/#lint_mccabe_max-complexity (reported when above it).
vulture's ``Vulture.scan`` and ``get_unused_code(min_confidence=...)`` yield items with ``typ``,
``first_lineno`` and ``message`` (its ``core.py``).
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import tempfile
import tokenize
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: ruff's rule code -> the kind of note the report groups by
RUFF_RULES = {
    "F401": "unused import",
    "F841": "unused variable",
    "F821": "undefined name",
    "F405": "undefined name",
    "F403": "star import",
    "A001": "shadowed builtin",
    "A002": "shadowed builtin",
    "C901": "complex function",
    "ERA001": "commented-out code",
    "PLR2004": "magic number",
}
#: a function is noted from this McCabe complexity on (radon's rank C starts at 11)
COMPLEX_FROM = 8
#: a number is noted when it appears this many times in the student's own code
REPEATED_FROM = 3
#: numbers everybody writes without naming them
_PLAIN_NUMBERS = frozenset({0, 1, 2, -1, 0.5, 10, 28, 100})


@dataclass(frozen=True)
class Note:
    """One advisory remark on one line of a student's own code."""

    line: int
    kind: str  # a value of RUFF_RULES, "unreachable code" or "repeated number"
    message: str
    rule: str  # "F401", "vulture", "tokens"


def readability_notes(files: Mapping[str, tuple[str, frozenset[int]]]) -> dict[str, list[Note]]:
    """Notes per key of ``files`` (key -> text and the student's own lines), own lines only."""
    found: dict[str, list[Note]] = {key: [] for key in files}
    for key, notes in _ruff({k: text for k, (text, _) in files.items()}).items():
        found[key] += notes
    for key, (text, _) in files.items():
        found[key] += _unreachable(text) + _repeated_numbers(text, files[key][1])
    return {key: sorted((n for n in notes if n.line in files[key][1]),
                        key=lambda n: (n.line, n.rule))
            for key, notes in found.items()}


def ruff_binary() -> str | None:
    """The ruff executable that ships in its wheel, or None when ruff is not installed."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return None


def _ruff(texts: Mapping[str, str]) -> dict[str, list[Note]]:
    """ruff's notes on every text, in one process; none (and a log line) when it cannot run."""
    binary = ruff_binary()
    if binary is None or not texts:
        if texts:
            log.warning("ruff is not installed: no readability notes from it")
        return {}
    with tempfile.TemporaryDirectory(prefix="grader-review-") as folder:
        names = {}
        for index, (key, text) in enumerate(texts.items()):
            path = Path(folder) / f"f{index}.py"
            path.write_text(text, encoding="utf-8")
            names[path.name] = key
        command = [binary, "check", "--isolated", "--no-cache", "--exit-zero",
                   "--output-format", "json", "--select", ",".join(RUFF_RULES),
                   "--config", f"lint.mccabe.max-complexity = {COMPLEX_FROM - 1}", folder]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                  check=True)
            reported = json.loads(done.stdout or "[]")
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            log.warning("ruff failed, no readability notes from it: %s", exc)
            return {}
    notes: dict[str, list[Note]] = {}
    for item in reported:
        owner = names.get(Path(item["filename"]).name)
        code = item.get("code") or ""
        if owner is None or code not in RUFF_RULES:
            continue
        notes.setdefault(owner, []).append(
            Note(item["location"]["row"], RUFF_RULES[code], item["message"], code))
    return notes


def _unreachable(text: str) -> list[Note]:
    """vulture's unreachable code (after return, raise, break, continue or ``while True``)."""
    if not _may_be_unreachable(text):
        return []
    import vulture  # type: ignore[import-untyped]

    finder = vulture.Vulture()
    try:
        finder.scan(text, filename="task.py")
        items = finder.get_unused_code(min_confidence=100)
    except Exception:  # vulture on a file it cannot read is no note, never a crash
        return []
    return [Note(item.first_lineno, "unreachable code", item.message, "vulture")
            for item in items if item.typ == "unreachable_code"]


_JUMP = re.compile(r"^([ \t]*)(return|raise|break|continue)\b")
_LOOP_FOREVER = re.compile(r"^[ \t]*while\s+(True|1)\s*:", re.MULTILINE)


def _may_be_unreachable(text: str) -> bool:
    """Whether vulture can find anything: a statement follows a jump at the same depth or
    deeper, or a loop runs forever. Most hand-ins have neither; scanning them would cost a
    syntax-tree walk each (a class of 300 spends seconds on it)."""
    if _LOOP_FOREVER.search(text):
        return True
    lines = text.splitlines()
    for number, line in enumerate(lines):
        jump = _JUMP.match(line)
        if jump is None:
            continue
        depth = len(jump.group(1).expandtabs())
        for after in lines[number + 1 :]:
            stripped = after.strip()
            if stripped and not stripped.startswith("#"):
                if len(after) - len(after.lstrip()) >= depth and not stripped.startswith(
                        ("else", "elif", "except", "finally", ")", "]", "}")):
                    return True
                break
    return False


def _repeated_numbers(text: str, own: frozenset[int]) -> list[Note]:
    """Each number written REPEATED_FROM times or more on own lines, noted where it first is."""
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NUMBER and token.start[0] in own:
                value = _number(token.string)
                if value is not None and value not in _PLAIN_NUMBERS:
                    seen[token.string] += 1
                    first.setdefault(token.string, token.start[0])
    except (tokenize.TokenError, SyntaxError):
        return []
    return [Note(first[number], "repeated number",
                 f"`{number}` is written {count} times: name it once", "tokens")
            for number, count in seen.items() if count >= REPEATED_FROM]


def _number(text: str) -> float | None:
    try:
        value = complex(text.replace("_", "").rstrip("jJ"))
    except ValueError:
        try:
            return float(int(text.replace("_", ""), 0))
        except ValueError:
            return None
    return value.real


def count_by_kind(notes: Sequence[Note]) -> dict[str, int]:
    """How many notes of each kind, for the overview's summary."""
    return dict(Counter(n.kind for n in notes))
