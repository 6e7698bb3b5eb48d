"""Force the provided flags (``full_output``, ``show_analysis``) by rewriting their assignments
only.

Only the right-hand side of each module-level assignment to a flag is replaced; every other byte
of the script stays as handed in, so line numbers in tracebacks match the student's file.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from grader.pysource.lines import split_lines


def force_flags(text: str, values: Mapping[str, bool]) -> str:
    """Return ``text`` with each top-level ``flag = <expr>`` rewritten to ``flag = <value>``.

    Assignments nested in functions or branches are left alone (``flags.not_false`` reports them);
    a script that does not parse is returned unchanged (it will fail to run, as it should).
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text
    lines = split_lines(text)  # numbered as ast numbers them
    edits: list[tuple[int, int, int, int, str]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        flagged = names & values.keys()
        if len(flagged) != 1 or len(targets) != len(names):
            continue
        (name,) = flagged
        assert value.end_lineno is not None and value.end_col_offset is not None
        edits.append((value.lineno, value.col_offset, value.end_lineno, value.end_col_offset,
                      repr(bool(values[name]))))
    for start_line, start_col, end_line, end_col, replacement in sorted(edits, reverse=True):
        first, last = lines[start_line - 1], lines[end_line - 1]
        # ast offsets are in UTF-8 bytes
        head = first.encode()[:start_col].decode()
        tail = last.encode()[end_col:].decode()
        keep_lines = " \\\n" * (end_line - start_line)  # line continuations keep the numbering
        lines[start_line - 1 : end_line] = [head + replacement + keep_lines + tail]
    return "".join(lines)
