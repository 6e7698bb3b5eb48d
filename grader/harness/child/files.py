"""Which files the script opened are facts (from the audit hook's ``open`` events)."""

from __future__ import annotations

import os
import sys
import sysconfig

from .origins import prefixes


class FileRules:
    """Which opened files are facts: all but the Python installation, the script, the dataset and
    what libraries manage for themselves (Keras' and Matplotlib's config and caches, fonts,
    zoneinfo, fresh or anonymous temporary files, autograph's generated modules).

    An open is an attempt: a file that does not exist is still reported.
    """

    AUTOGRAPH = "__autograph_generated_file"  # TensorFlow writes converted functions there
    MATPLOTLIB_FILES = ("fontlist", "matplotlibrc")  # its font cache (and lock), its settings

    def __init__(self, *, script: str, dataset: str, figure: str | None) -> None:
        home, env = os.path.expanduser("~"), os.environ
        temp = {env.get(k, "") for k in ("TMPDIR", "TEMP", "TMP")} | {"/tmp", "/var/tmp"}
        paths = sysconfig.get_paths()
        installation = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
        installation.update(p for p in sys.path if os.path.isabs(p))
        self.read_prefixes = prefixes(installation | {
            "/dev", "/proc", "/sys", "/usr/share/zoneinfo", "/usr/share/fonts",
            "/usr/local/share/fonts", os.path.join(home, ".fonts")})
        self.exact_read = {script, os.path.abspath(dataset)} | installation
        self.temp_prefixes = prefixes(temp)
        # tempfile.NamedTemporaryFile's open names the folder; its opener's own open follows
        self.temp_dirs = {os.path.abspath(t) for t in temp if t}
        # Matplotlib's config and cache folder is the work folder in the sandbox: only the
        # files Matplotlib keeps there are its own
        self.matplotlib_dirs = {os.path.abspath(d) for d in (
            env.get("MPLCONFIGDIR", ""),
            os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "matplotlib"),
            os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "matplotlib"),
        ) if d}
        self.managed_prefixes = tuple(os.path.join(t, "matplotlib-") for t in sorted(temp) if t)
        keras_dir = env.get("KERAS_HOME") or os.path.join(home, ".keras")
        self.managed = {os.path.join(keras_dir, "keras.json"), "/tmp/.keras/keras.json",
                        os.devnull}
        if figure:
            self.managed.add(os.path.abspath(figure))

    def describe(self, path: object, mode: object, flags: object) -> str | None:
        """``"read PATH"`` or ``"write PATH"`` when the open is a fact, else None."""
        if not isinstance(path, (str, bytes, os.PathLike)):
            return None  # an fd already open
        name = os.fsdecode(path)
        writes = _writes(mode, flags)
        if not writes and name.startswith(self.read_prefixes):
            return None  # the fast path: imports
        full = os.path.abspath(name)
        if self._allowed(full, writes, mode, flags):
            return None
        return f"{'write' if writes else 'read'} {name}"

    def _allowed(self, full: str, writes: bool, mode: object, flags: object) -> bool:
        if full in self.managed or full in self.temp_dirs or full.startswith(self.managed_prefixes):
            return True
        folder, name = os.path.split(full)
        if folder in self.matplotlib_dirs and name.startswith(self.MATPLOTLIB_FILES):
            return True
        if not writes and (full in self.exact_read or full.startswith(self.read_prefixes)):
            return True
        tmpfile = getattr(os, "O_TMPFILE", 0)
        if tmpfile and isinstance(flags, int) and flags & tmpfile == tmpfile:
            return True  # an anonymous file
        return full.startswith(self.temp_prefixes) and (
            _creates_new(mode, flags) or self.AUTOGRAPH in os.path.basename(full))


def _writes(mode: object, flags: object) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


def _creates_new(mode: object, flags: object) -> bool:
    """An exclusive creation: a fresh file, which cannot bring data in."""
    if isinstance(mode, str):
        return "x" in mode
    return isinstance(flags, int) and flags & (os.O_CREAT | os.O_EXCL) == os.O_CREAT | os.O_EXCL
