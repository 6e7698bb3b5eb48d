"""Where code comes from, by file: the script, the standard library, installed libraries, or us."""

from __future__ import annotations

import os
import sys
import sysconfig
import types

SCRIPT, STDLIB, LIBRARY, HARNESS = "script", "stdlib", "library", "harness"


def prefixes(paths: set[str]) -> tuple[str, ...]:
    """Absolute ``paths`` (and their real paths) as folder prefixes, for ``str.startswith``."""
    found = {os.path.join(p, "") for p in paths if p and os.path.isabs(p)}
    found |= {os.path.join(os.path.realpath(p), "") for p in list(found)}
    return tuple(sorted(found))


class Origins:
    """Classifies code by file: the script, the standard library, installed libraries, or us.

    Every file in the harness's folder (the entry script and its sibling modules) is the
    harness's. Code with no file of its own (``exec`` of a string, autograph's generated files)
    counts as the script's: libraries live in the installation, so anything outside it came from
    the script.
    """

    def __init__(self, script: str) -> None:
        paths = sysconfig.get_paths()
        self.script = script
        here = os.path.dirname(os.path.abspath(__file__))
        self.harness = prefixes({here})
        libs = {paths["purelib"], paths["platlib"]}
        libs.update(p for p in sys.path if "site-packages" in p or "dist-packages" in p)
        self.library = prefixes(libs)
        self.stdlib = prefixes({paths["stdlib"], paths["platstdlib"], *sys.path} - libs - {here})
        self.cache: dict[str, str] = {}

    def of(self, filename: str) -> str:
        origin = self.cache.get(filename)
        if origin is None:
            if filename == self.script:
                origin = SCRIPT
            elif filename.startswith(self.harness):
                origin = HARNESS
            elif filename.startswith("<frozen "):
                origin = STDLIB
            elif filename.startswith(self.library):
                origin = LIBRARY
            elif filename.startswith(self.stdlib):
                origin = STDLIB
            else:
                origin = SCRIPT
            self.cache[filename] = origin
        return origin

    def caller(self) -> str:
        """The origin of the innermost calling frame that is neither the stdlib nor the harness."""
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            origin = self.of(frame.f_code.co_filename)
            if origin in (SCRIPT, LIBRARY):
                return origin
            frame = frame.f_back
        return STDLIB
