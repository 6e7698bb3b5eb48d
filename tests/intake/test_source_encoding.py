"""Task files are read as Python reads them, and what runs is byte for byte what was checked.

A coding declaration (PEP 263) other than UTF-8 makes Python read another text than the grader
would: with ``unicode_escape``, ``\\x0a`` inside a comment is a line break and the rest of the
comment runs. Such a file is a ``source.encoding`` violation and is never run. A UTF-8 file, with
or without a byte-order mark or a UTF-8 declaration, runs as the very bytes whose hash was checked,
with only the flags rewrite applied.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from grader.checks.stage import check_paths
from grader.ids import CheckId
from grader.pysource.encoding import decode_source, is_utf8, runnable_text
from grader.records import RunStatus, Severity
from grader.run.one import _prepare, run_one
from grader.run.planning import Settings, plan_runs
from grader.spec import Assignment
from grader.store.database import Store
from tests.sandbox_scripts import BASE

HIDDEN = b"# -*- coding: unicode_escape -*-\nx = 1  # a note\\x0ax = 2\n"


@pytest.mark.parametrize(
    "raw",
    [
        HIDDEN,
        b"# coding: latin-1\nname = '\xe9'\n",
        b"#!/usr/bin/env python\n# vim: set fileencoding=utf-7 :\nx = 1\n",
        b"# -*- coding: cp1252 -*-\nx = 1\n",
    ],
)
def test_a_declared_encoding_other_than_utf8_is_a_violation(raw: bytes) -> None:
    decoded = decode_source(raw)
    assert decoded.declared is not None and not is_utf8(decoded.encoding)
    assert decoded.unreadable is None


def test_the_text_checked_is_the_text_python_would_run() -> None:
    decoded = decode_source(HIDDEN)
    assert decoded.text is not None
    assert decoded.text.splitlines()[1:] == ["x = 1  # a note", "x = 2"]  # the hidden line


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"x = 1\n", "utf-8"),
        (b"# -*- coding: utf-8 -*-\nx = '\xc3\xa9'\n", "utf-8"),
        (b"# coding=UTF8\nx = 1\n", "UTF8"),
        (b"\xef\xbb\xbfx = '\xc3\xa9'\r\n", "utf-8-sig"),
        # a declaration on line 3 is a comment, for Python and for the grader
        (b"x = 1\ny = 2\n# coding: unicode_escape\nz = 3  # \\x0aw = 4\n", "utf-8"),
    ],
)
def test_utf8_near_misses_are_clean_and_encode_back_to_their_bytes(
    raw: bytes, encoding: str
) -> None:
    decoded = decode_source(raw)
    assert decoded.declared is None and decoded.unreadable is None
    assert decoded.encoding == encoding and decoded.text is not None
    assert runnable_text(decoded.text, decoded.encoding).encode("utf-8") == raw


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"# coding: no-such-codec\nx = 1\n", "declared"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "declared"),  # a BOM against the declaration
        (b"x = '\xe9'\n", "unreadable"),  # latin-1 bytes, no declaration
    ],
)
def test_what_python_refuses_to_decode_is_never_text(raw: bytes, why: str) -> None:
    decoded = decode_source(raw)
    assert decoded.text is None
    assert (decoded.declared if why == "declared" else decoded.unreadable) is not None


def _student(root: Path, repo_root: Path, raw_of: dict[str, bytes]) -> Path:
    folder = root / "student"
    folder.mkdir(parents=True)
    for task in ("task1", "task2"):
        shutil.copy(repo_root / "reference" / "solution" / f"{task}.py", folder)
    for name, raw in raw_of.items():
        (folder / name).write_bytes(raw)
    return folder


def _settings() -> Settings:
    return Settings(runs=1, jobs=1, tasks=("task1", "task2"), timeout_s=60.0, threads=1,
                    analysis=False)


def test_a_declared_encoding_is_found_and_the_file_is_never_planned(
    assignment: Assignment, repo_root: Path, tmp_path: Path
) -> None:
    solution = (repo_root / "reference" / "solution" / "task1.py").read_bytes()
    folder = _student(tmp_path, repo_root, {"task1.py": HIDDEN + solution})
    [(submission, statics)] = check_paths([folder], assignment=assignment, jobs=1)
    found = [f for f in statics["task1"].findings if f.check == CheckId.SOURCE_ENCODING]
    assert [(f.severity, f.file) for f in found] == [(Severity.VIOLATION, "task1.py")]
    assert not any(f.check == CheckId.SOURCE_ENCODING for f in statics["task2"].findings)
    with Store(tmp_path / "store.sqlite") as store:
        specs, _ = plan_runs([submission], [statics], assignment=assignment,
                             settings=_settings(), store=store)
    assert [spec.task for spec in specs] == ["task2"]


def test_what_runs_is_the_checked_bytes_with_only_the_flags_rewritten(
    assignment: Assignment, repo_root: Path, tmp_path: Path
) -> None:
    text = (repo_root / "reference" / "solution" / "task1.py").read_text(encoding="utf-8")
    text = text.replace("full_output = False", "full_output = True", 1)
    text = text.replace("# ==== PROVIDED", "# ==== PROVIDED (é, ü, 数)", 1)
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")  # a BOM, CRLF, non-ASCII
    folder = _student(tmp_path, repo_root, {"task1.py": raw})
    [(submission, statics)] = check_paths([folder], assignment=assignment, jobs=1)
    assert submission.files["task1"].sha256 == hashlib.sha256(raw).hexdigest()
    with Store(tmp_path / "store.sqlite") as store:
        specs, _ = plan_runs([submission], [statics], assignment=assignment,
                             settings=_settings(), store=store)
    [spec] = [s for s in specs if s.task == "task1"]
    work = tmp_path / "work"
    work.mkdir()
    _prepare(spec, work, None)
    written = (work / "task1.py").read_bytes()
    assert written == raw.replace(b"full_output = True", b"full_output = False", 1)
    assert written.startswith(b"\xef\xbb\xbf") and b"\r\n" in written


@pytest.mark.parametrize("harness_child", [False, True])
def test_python_runs_the_written_bytes_as_the_grader_read_them(harness_child: bool) -> None:
    """A BOM, CRLF line ends and non-ASCII text: the run (bare, or under the harness, which
    runs the file with runpy) decodes exactly the text that was checked."""
    raw = b'\xef\xbb\xbfword = "\xc3\xa9t\xc3\xa9"  # caf\xc3\xa9\r\nprint(word, len(word))\r\n'
    decoded = decode_source(raw)
    assert decoded.text is not None and decoded.encoding == "utf-8-sig"
    spec = dataclasses.replace(BASE, script_text=runnable_text(decoded.text, decoded.encoding))
    outcome = run_one(spec, harness_child=harness_child)
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.stdout.splitlines()[0] == "été 3"
