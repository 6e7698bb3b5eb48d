"""The in-child harness: runs a student's script and records facts its printed output could fake.

Run as ``python -I child.py --facts-fd FD --dataset NAME --test-names a,b [--figure PATH] SCRIPT``
with the work folder as the current directory. It installs an audit hook and lazy wrappers around
the RNG, Keras and TensorFlow entry points, runs SCRIPT as ``__main__`` and writes one JSON
document of facts to FD, rewritten whenever a fact is added so that a crash or a kill mid-training
still leaves what was seen. The parent owns FD (a regular file); it decides what the facts mean.

This file is deliberately self-contained and imports only the standard library: the sandbox binds
nothing but this file's folder, and the grader package is not importable inside it. It never
prints: the script's stdout, stderr (its traceback) and exit code stay those of a bare run.

The hooks are guardrails, not a boundary (C-level file and process calls bypass them); the
sandbox is the boundary. Everything the harness does on the script's path is wrapped so that a
failure of the harness can never break the script's run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import runpy
import sys
import sysconfig
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

FACTS_VERSION = 1
MAX_ENTRIES = 64  # per list of facts
MAX_TEXT = 300  # characters per entry
MAX_MODELS = 16
MAX_LAYERS = 256
MAX_DATASET_SOURCES = 64
MODEL_GLOBAL = "model"  # the provided code prints this global's count_params()
FIGURE_DPI = 80
#: programs libraries start on their own to probe the machine (platform.processor, matplotlib)
PROBE_PROGRAMS = frozenset({"uname", "fc-list", "fc-match", "ldconfig", "gcc", "cc", "ld", "lscpu"})
LOOPBACK = ("127.0.0.1", "::1", "localhost")
STATE_NAMES = ("training_calls", "weights_loaded", "seed_calls", "files_opened", "sockets",
               "subprocesses", "notes")

SCRIPT, STDLIB, LIBRARY, HARNESS = "script", "stdlib", "library", "harness"


def _clip(text: object) -> str:
    value = str(text)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3] + "..."


class Facts:
    """The facts seen so far, rewritten to the parent's fd on every change (pwrite, then truncate).

    Lists are bounded and deduplicated. A forked child shares the fd, so only the process that
    created this object writes.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.lists: dict[str, list[str]] = {name: [] for name in STATE_NAMES}
        self.models: dict[int, dict[str, Any]] = {}
        self.matched_test_rows: set[bytes] = set()
        self.count_params_at_print: int | None = None
        self.finished = False

    def add(self, kind: str, entry: object) -> None:
        entries = self.lists[kind]
        text = _clip(entry)
        if text not in entries and len(entries) < MAX_ENTRIES:
            entries.append(text)
            self.write()

    def set_model(self, key: int, name: str, layers: list[str], params: int | None) -> None:
        old = self.models.get(key)
        new = {"name": _clip(name), "layers": [_clip(n) for n in layers[:MAX_LAYERS]],
               "params": params if params is not None else (old or {}).get("params", 0)}
        if new != old and (old is not None or len(self.models) < MAX_MODELS):
            self.models[key] = new
            self.write()

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": FACTS_VERSION, "models": list(self.models.values())}
        doc.update(self.lists)
        doc["test_rows_in_training"] = len(self.matched_test_rows)
        doc["count_params_at_print"] = self.count_params_at_print
        doc["finished"] = self.finished
        return doc

    def write(self) -> None:
        if self.fd < 0 or os.getpid() != self.pid:
            return
        data = json.dumps(self.document(), separators=(",", ":")).encode()
        try:
            os.pwrite(self.fd, data, 0)
            os.ftruncate(self.fd, len(data))
        except OSError:
            pass  # the script closed or replaced the fd; the parent sees what was written last

    def close(self) -> None:
        self.finished = True
        self.write()
        if self.fd >= 0 and os.getpid() == self.pid:
            try:
                os.close(self.fd)
            except OSError:
                pass
        self.fd = -1


class Origins:
    """Classifies code by file: the script, the standard library, installed libraries, or us.

    Code with no file of its own (``exec`` of a string, autograph's generated files) counts as the
    script's: libraries live in the installation, so anything outside it came from the script.
    """

    def __init__(self, script: str) -> None:
        paths = sysconfig.get_paths()
        self.script = script
        self.harness = os.path.abspath(__file__)
        libs = {paths["purelib"], paths["platlib"]}
        libs.update(p for p in sys.path if "site-packages" in p or "dist-packages" in p)
        self.library = _prefixes(libs)
        here = os.path.dirname(self.harness)
        self.stdlib = _prefixes({paths["stdlib"], paths["platstdlib"], *sys.path} - libs - {here})
        self.cache: dict[str, str] = {}

    def of(self, filename: str) -> str:
        origin = self.cache.get(filename)
        if origin is None:
            if filename == self.script:
                origin = SCRIPT
            elif filename == self.harness:
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


def _prefixes(paths: set[str]) -> tuple[str, ...]:
    found = {os.path.join(p, "") for p in paths if p and os.path.isabs(p)}
    found |= {os.path.join(os.path.realpath(p), "") for p in list(found)}
    return tuple(sorted(found))


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
        self.read_prefixes = _prefixes(installation | {
            "/dev", "/proc", "/sys", "/usr/share/zoneinfo", "/usr/share/fonts",
            "/usr/local/share/fonts", os.path.join(home, ".fonts")})
        self.exact_read = {script, os.path.abspath(dataset)} | installation
        self.temp_prefixes = _prefixes(temp)
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
        if isinstance(path, int):
            return None  # an fd already open
        name = os.fsdecode(os.fspath(path))  # type: ignore[arg-type]
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


def _describe_process(event: str, args: tuple[Any, ...]) -> tuple[str, str]:
    """A readable description and the program's base name (for the library probe allow-list)."""
    try:
        if event == "subprocess.Popen":
            argv = args[1] if args[1] is not None else [args[0]]
            argv = [argv] if isinstance(argv, (str, bytes, os.PathLike)) else list(argv)
        elif event == "os.system":
            argv = os.fsdecode(args[0]).split()
        elif event in ("os.exec", "os.posix_spawn"):
            argv = list(args[1]) or [args[0]]
        elif event == "os.spawn":
            argv = list(args[2]) or [args[1]]
        else:
            argv = []  # fork, forkpty, startfile: no program
        words = [os.fsdecode(os.fspath(a)) if isinstance(a, (bytes, os.PathLike)) else str(a)
                 for a in argv]
    except (TypeError, ValueError, IndexError):
        words = []
    program = os.path.basename(words[0]) if words else ""
    return (f"{event}: {' '.join(words)}" if words else event), program


PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                            "os.spawn", "os.fork", "os.forkpty", "os.startfile"})
SOCKET_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.getaddrinfo",
                           "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto",
                           "socket.sendmsg"})
WATCHED = PROCESS_EVENTS | SOCKET_EVENTS | {"open", "os.putenv", "exec"}


# ----------------------------------------------------------------------------------- test rows


class TestRows:
    """Finds test images among the rows a model is trained or validated on.

    Students transform the data (``x * 2 - 1``, a channel axis, a reshape), so rows are compared
    as patterns: each row flattened to 784 values, binarised at its midpoint ((min + max) / 2) and
    packed to 98 bytes. A test image also matches in its transposed (columns as the sequence) and
    inverted forms. Constant rows carry no pattern and are skipped. Arrays whose rows are not
    784 values (padding, resizing, extra channels) are not compared.
    """

    PIXELS = 784
    MAX_ROWS = 200_000

    def __init__(self, facts: Facts, names: list[str], namespace: Callable[[], dict[str, Any]]):
        self.facts = facts
        self.names = names
        self.namespace = namespace
        self.cached: tuple[int, tuple[int, ...], list[list[bytes]], list[bool]] | None = None
        # arrays already compared, so that fit() called once per epoch costs one comparison
        self.compared: dict[int, weakref.ref[Any]] = {}

    def check(self, arrays: list[Any]) -> None:
        import numpy as np  # the script imported it: Keras did

        variants, valid = self._test_patterns(np)
        seen: set[bytes] = set()
        for array in arrays if variants else ():
            if not self._compared_before(array):
                seen.update(self._row_keys(np, array))
        if not seen:
            return
        before = len(self.facts.matched_test_rows)
        for i, ok in enumerate(valid):
            if ok and any(keys[i] in seen for keys in variants):
                self.facts.matched_test_rows.add(variants[0][i])
        if len(self.facts.matched_test_rows) != before:
            self.facts.write()

    def _compared_before(self, array: Any) -> bool:
        known = self.compared.get(id(array))
        if known is not None and known() is array:
            return True
        try:
            self.compared[id(array)] = weakref.ref(array)
        except TypeError:
            pass  # not weakly referable: compared every time
        if len(self.compared) > 64:
            self.compared = {k: r for k, r in self.compared.items() if r() is not None}
        return False

    def _test_patterns(self, np: Any) -> tuple[list[list[bytes]], list[bool]]:
        images = self._test_images()
        if images is None:
            return [], []
        key = (id(images), tuple(images.shape))
        if self.cached is None or self.cached[:2] != key:
            n = images.shape[0]
            bits, valid = _binarise(np, np.asarray(images).reshape(n, self.PIXELS))
            columns = bits.reshape(n, 28, 28).transpose(0, 2, 1).reshape(n, self.PIXELS)
            variants = [_keys(np, b) for b in (bits, columns, ~bits, ~columns)]
            self.cached = (key[0], key[1], variants, valid.tolist())
        return self.cached[2], self.cached[3]

    def _test_images(self) -> Any:
        namespace = self.namespace()
        for name in self.names:
            shape = getattr(namespace.get(name), "shape", None)
            if shape is not None and tuple(shape[1:]) in ((28, 28), (self.PIXELS,)):
                return namespace[name]
        return None

    def _row_keys(self, np: Any, array: Any) -> list[bytes]:
        """Patterns of the array's rows when each row is an image's 784 values, else none."""
        try:
            shape = [int(dim) for dim in array.shape]
        except (AttributeError, TypeError, ValueError):
            return []  # no shape, or a symbolic one
        if len(shape) < 2 or shape[0] == 0 or np.prod(shape[1:]) != self.PIXELS:
            return []
        rows = np.asarray(array[: self.MAX_ROWS]).reshape(-1, self.PIXELS)
        bits, valid = _binarise(np, rows)
        return [key for key, ok in zip(_keys(np, bits), valid.tolist()) if ok]


def _binarise(np: Any, rows: Any) -> tuple[Any, Any]:
    rows = rows.astype(np.float32, copy=False)
    low = rows.min(axis=1, keepdims=True)
    high = rows.max(axis=1, keepdims=True)
    return rows > (low + high) * 0.5, (high > low).ravel()


def _keys(np: Any, bits: Any) -> list[bytes]:
    packed = np.ascontiguousarray(np.packbits(bits, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel().tolist()


def _leaves(value: Any, depth: int = 0) -> Iterator[Any]:
    """Array-like leaves of an input structure (arrays, tensors, tuples, lists, dicts)."""
    if depth > 4:
        return
    if isinstance(value, (list, tuple)):
        for item in value[:32]:
            yield from _leaves(item, depth + 1)
    elif isinstance(value, dict):
        for item in list(value.values())[:32]:
            yield from _leaves(item, depth + 1)
    elif hasattr(value, "shape") and hasattr(value, "__array__"):
        yield value


# ------------------------------------------------------------------------------------ the harness


class Harness:
    """Installs the hooks and wrappers, and turns what they see into facts.

    numpy, TensorFlow, Keras and pyplot are patched right after the script imports them (a meta
    path finder runs the patch after the module's own code), so nothing is imported on the
    script's behalf. Seeding counts only when the first caller outside the standard library is
    the script: Keras seeding its own generators is not the student's doing.
    """

    def __init__(self, *, facts: Facts, script: str, argv0: str, dataset: str,
                 test_names: list[str], figure: str | None) -> None:
        self.facts = facts
        self.script = script
        self.argv0 = argv0
        self.figure = figure
        self.origins = Origins(script)
        self.files = FileRules(script=script, dataset=dataset, figure=figure)
        self.test_rows = TestRows(facts, test_names, self.namespace)
        self.main_module: types.ModuleType | None = None
        self.quiet = 0  # > 0 while the harness itself writes (the figure)
        self.training_depth = 0  # > 0 inside fit/train_on_batch/an optimizer step
        self.loading_depth = 0
        self.replaced: dict[Any, Any] = {}  # original module-level function -> its wrapper
        self.sources: dict[int, tuple[weakref.ref[Any], Any]] = {}  # tf.data source -> tensors
        self.patches: dict[str, Callable[[Any], None]] = {
            "numpy.random": self._patch_numpy, "keras": self._patch_keras,
            "tensorflow": self._patch_tensorflow}
        if figure:
            self.patches["matplotlib.pyplot"] = self._patch_pyplot
        self.patched: set[str] = set()

    # -- installing

    def install(self) -> None:
        self._patch_random()
        for name in list(self.patches):
            if name in sys.modules:
                self.patch(name, sys.modules[name])
        sys.meta_path.insert(0, _PostImportFinder(self))
        original_exit = os._exit

        def _exit(status: int) -> None:  # os._exit skips every handler: report first
            if os.getpid() == self.facts.pid:
                self.finish()
            original_exit(status)

        os._exit = _exit  # type: ignore[assignment]
        sys.addaudithook(self._audit)

    def patch(self, name: str, module: Any) -> None:
        if name in self.patched:
            return
        self.patched.add(name)
        with self.guarded(f"patching {name}"):  # a version we do not know: runs unpatched
            self.patches[name](module)

    def namespace(self) -> dict[str, Any]:
        return vars(self.main_module) if self.main_module is not None else {}

    def finish(self) -> None:
        """Reads the printed model's size, then writes the final document and closes the fd.

        What happens after (atexit handlers, threads the interpreter waits for) is not seen.
        """
        if self.facts.finished:
            return
        self.quiet += 1  # Keras may read its config: not the script's doing
        with self.guarded(f"reading {MODEL_GLOBAL}"):
            keras = sys.modules.get("keras")
            model = self.namespace().get(MODEL_GLOBAL)
            if keras is not None and isinstance(model, keras.Model):
                custom = any(not call.startswith("Model.")
                             for call in self.facts.lists["training_calls"])
                if custom and id(model) not in self.facts.models:
                    self._record_model(model)  # a custom loop trained, presumably, this model
                self.facts.count_params_at_print = int(model.count_params())
        self.quiet -= 1
        self.facts.close()

    # -- the audit hook

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in WATCHED:
            return
        try:
            self._on_event(event, args)
        except Exception:  # noqa: BLE001,S110 - a hook that raises fails the script's own call
            pass

    def _on_event(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            fact = None if self.quiet else self.files.describe(*args[:3])
            if fact:
                self.facts.add("files_opened", fact)
        elif event == "exec":
            if self.main_module is None and getattr(args[0], "co_filename", None) == self.script:
                self.main_module = sys.modules.get("__main__")  # runpy's module for the script
                sys.argv[0] = self.argv0  # as a bare run leaves it
        elif event == "os.putenv":
            key = os.fsdecode(args[0]) if isinstance(args[0], bytes) else args[0]
            if key == "PYTHONHASHSEED" and self.origins.caller() == SCRIPT:
                self.facts.add("seed_calls", "os.environ['PYTHONHASHSEED']")
        elif event in SOCKET_EVENTS:
            if event == "socket.bind" and _loopback_probe(args[1]):
                return  # a library testing for IPv6 support (urllib3 does on import)
            target = args[1] if event in ("socket.connect", "socket.bind", "socket.sendto",
                                          "socket.sendmsg") else args[:2]
            self.facts.add("sockets", f"{event.removeprefix('socket.')} {target!r}")
        elif event in PROCESS_EVENTS:
            text, program = _describe_process(event, args)
            if program in PROBE_PROGRAMS and self.origins.caller() == LIBRARY:
                return
            self.facts.add("subprocesses", text)

    # -- patching helpers

    def _wrap_function(self, original: Any, make: Callable[[Any], Any]) -> None:
        """Replaces a module-level function in its defining module; ``_rebind`` does aliases."""
        wrapper = make(original)
        self.replaced[original] = wrapper
        module = sys.modules.get(getattr(original, "__module__", "") or "")
        if module is not None and getattr(module, original.__name__, None) is original:
            setattr(module, original.__name__, wrapper)

    @staticmethod
    def _wrap_method(klass: type, name: str, make: Callable[[Any], Any]) -> None:
        """Replaces a method where it is defined, so that every subclass sees the wrapper."""
        for owner in klass.__mro__:
            raw = owner.__dict__.get(name)
            if raw is None:
                continue
            if isinstance(raw, (classmethod, staticmethod)):
                setattr(owner, name, type(raw)(make(raw.__func__)))
            else:
                setattr(owner, name, make(raw))
            return

    def _rebind(self, prefixes: tuple[str, ...]) -> None:
        """Points every alias of a replaced function in loaded modules at its wrapper."""
        table = self.replaced
        kinds = {type(k) for k in table}
        for name, module in list(sys.modules.items()):
            namespace = getattr(module, "__dict__", None) if name.startswith(prefixes) else None
            if isinstance(namespace, dict):
                for attr, value in list(namespace.items()):
                    if type(value) in kinds and value in table:
                        namespace[attr] = table[value]

    def _seed(self, label: str, position: int = 0, param: str = "seed",
              always: bool = False) -> Callable[[Any], Any]:
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self._seed_seen(label, args, kwargs, position, param, always)
                return original(*args, **kwargs)
            return wrapper
        return make

    def _seed_seen(self, label: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                   position: int, param: str, always: bool = False) -> None:
        with self.guarded(label):
            value = args[position] if len(args) > position else kwargs.get(param)
            if (always or value is not None) and self.origins.caller() == SCRIPT:
                self.facts.add("seed_calls", label)

    def _seeded_class(self, base: type, label: str, param: str) -> type:
        """A stand-in for an RNG class: calling it records a seed and returns a genuine ``base``
        instance (so pickling and type checks are unchanged); subclassing it still works."""
        harness = self

        class _Meta(type):
            def __call__(cls, *args: Any, **kwargs: Any) -> Any:
                if cls is not stand_in:
                    return super().__call__(*args, **kwargs)
                harness._seed_seen(label, args, kwargs, 0, param)
                return base(*args, **kwargs)

            def __instancecheck__(cls, obj: Any) -> bool:
                return isinstance(obj, base) if cls is stand_in else type.__instancecheck__(cls, obj)

            def __subclasscheck__(cls, sub: type) -> bool:
                return issubclass(sub, base) if cls is stand_in else type.__subclasscheck__(cls, sub)

        stand_in = _Meta(base.__name__, (base,), {
            "__module__": base.__module__, "__qualname__": base.__qualname__,
            "__doc__": base.__doc__})
        return stand_in

    def _loader(self, label: str, position: int, param: str) -> Callable[[Any], Any]:
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.loading_depth += 1
                try:
                    result = original(*args, **kwargs)
                finally:
                    self.loading_depth -= 1
                if self.loading_depth == 0:  # the loads it made itself are the same load
                    with self.guarded(label):
                        source = args[position] if len(args) > position else kwargs.get(param)
                        self.facts.add("weights_loaded", f"{label}({_name_of(source)})")
                return result
            return wrapper
        return make

    def _download(self, original: Any) -> Any:
        @functools.wraps(original)
        def get_file(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with self.guarded("get_file"):
                fname = args[0] if args else kwargs.get("fname")
                origin = args[1] if len(args) > 1 else kwargs.get("origin")
                if _called_from("applications"):
                    self.facts.add("weights_loaded",
                                   f"keras.applications weights ({_name_of(fname or origin)})")
                else:
                    self.facts.add("files_opened", f"download {origin or fname}")
            return result
        return get_file

    # -- training

    def _trainer(self, label: str, inputs: tuple[tuple[int, str], ...]) -> Callable[[Any], Any]:
        """fit/train_on_batch: a training call, the model, and the rows it was given."""
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(model: Any, *args: Any, **kwargs: Any) -> Any:
                outer = self.training_depth == 0
                if outer:
                    with self.guarded(label):
                        self._training_started(label, model, [
                            args[i] if len(args) > i else kwargs.get(name) for i, name in inputs])
                self.training_depth += 1
                try:
                    return original(model, *args, **kwargs)
                finally:
                    self.training_depth -= 1
                    if outer:
                        with self.guarded(label):
                            self._record_model(model)
            return wrapper
        return make

    def _optimizer_step(self, label: str) -> Callable[[Any], Any]:
        """An optimizer step outside fit: a custom gradient-descent loop."""
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if self.training_depth == 0:
                    self.facts.add("training_calls", label)
                self.training_depth += 1
                try:
                    return original(*args, **kwargs)
                finally:
                    self.training_depth -= 1
            return wrapper
        return make

    def _tape_gradient(self, original: Any) -> Any:
        """Gradients with respect to variables (not to watched inputs, as the provided
        sensitivity analysis takes them) outside fit: a hand-written descent step."""
        @functools.wraps(original)
        def gradient(tape: Any, target: Any, sources: Any, *args: Any, **kwargs: Any) -> Any:
            if self.training_depth == 0:
                with self.guarded("GradientTape.gradient"):
                    self._tape_seen(sources)
            return original(tape, target, sources, *args, **kwargs)
        return gradient

    def _tape_seen(self, sources: Any) -> None:
        kinds = tuple(k for k in (getattr(sys.modules.get("tensorflow"), "Variable", None),
                                  getattr(sys.modules.get("keras"), "Variable", None))
                      if isinstance(k, type))
        flat = sources if isinstance(sources, (list, tuple)) else [sources]
        if kinds and any(isinstance(s, kinds) for s in flat[:1000]):
            self.facts.add("training_calls", "GradientTape.gradient")

    def _training_started(self, label: str, model: Any, values: list[Any]) -> None:
        self.facts.add("training_calls", label)
        self._record_model(model)
        arrays: list[Any] = []
        for value in values:
            if hasattr(value, "_inputs") and hasattr(value, "element_spec"):
                arrays.extend(self._dataset_arrays(value))
            else:
                arrays.extend(_leaves(value))
        if arrays:
            self.test_rows.check(arrays)

    def _record_model(self, model: Any) -> None:
        params: int | None = None  # not built yet
        with contextlib.suppress(Exception):
            params = int(model.count_params())
        name = getattr(model, "name", None) or type(model).__name__
        self.facts.set_model(id(model), str(name), _layer_names(model), params)

    def _remember_source(self, dataset: Any, tensors: Any) -> None:
        if len(self.sources) >= MAX_DATASET_SOURCES:
            self.sources = {k: v for k, v in self.sources.items() if v[0]() is not None}
        if len(self.sources) < MAX_DATASET_SOURCES:
            self.sources[id(dataset)] = (weakref.ref(dataset), tensors)

    def _dataset_source(self, original: Any) -> Any:
        """from_tensor_slices/from_tensors: remember the tensors, so that a pipeline reaching
        fit can be traced back to its rows without iterating it (which could have effects)."""
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            dataset = original(*args, **kwargs)
            with self.guarded("tf.data source"):
                self._remember_source(dataset, args[0] if args else kwargs.get("tensors"))
            return dataset
        return wrapper

    def _dataset_arrays(self, dataset: Any) -> Iterator[Any]:
        stack, seen = [dataset], set()
        while stack and len(seen) < 256:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            entry = self.sources.get(id(node))
            if entry is not None and entry[0]() is node:
                yield from _leaves(entry[1])
            with contextlib.suppress(Exception):  # not a tf.data dataset after all
                stack.extend(node._inputs())

    @contextlib.contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Runs the harness's own bookkeeping: a failure becomes a note, never the script's."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - the script's run must not depend on ours
            self.facts.add("notes", f"{what}: {error!r}")

    # -- the patches, one per library

    def _patch_random(self) -> None:
        original = random.Random.seed
        shared = getattr(random, "_inst", None)

        @functools.wraps(original)
        def seed(rng: Any, *args: Any, **kwargs: Any) -> Any:
            label = "random.seed" if rng is shared else "random.Random.seed"
            self._seed_seen(label, args, kwargs, 0, "a")
            return original(rng, *args, **kwargs)

        random.Random.seed = seed  # type: ignore[method-assign]
        if shared is not None:
            random.seed = shared.seed

    def _patch_numpy(self, module: Any) -> None:
        for name in ("seed", "default_rng"):
            self._wrap_function(getattr(module, name), self._seed(f"numpy.random.{name}"))
        for name in ("RandomState", "MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64",
                     "SeedSequence"):
            base = getattr(module, name, None)
            if isinstance(base, type):
                param = "entropy" if name == "SeedSequence" else "seed"
                setattr(module, name, self._seeded_class(base, f"numpy.random.{name}", param))
        self._rebind(("numpy.random",))

    def _patch_tensorflow(self, tf: Any) -> None:
        seed_module = sys.modules.get(tf.random.set_seed.__module__)
        self._wrap_function(tf.random.set_seed, self._seed("tf.random.set_seed"))
        if getattr(seed_module, "set_random_seed", None) is not None:
            self._wrap_function(seed_module.set_random_seed,  # type: ignore[union-attr]
                                self._seed("tf.compat.v1.set_random_seed"))
        self._wrap_function(tf.config.experimental.enable_op_determinism,
                            self._seed("tf.config.experimental.enable_op_determinism",
                                       always=True))
        self._wrap_method(tf.random.Generator, "from_seed",
                          self._seed("tf.random.Generator.from_seed", always=True))
        self._wrap_function(tf.saved_model.load, self._loader("tf.saved_model.load", 0,
                                                              "export_dir"))
        for name in ("restore", "read"):
            self._wrap_method(tf.train.Checkpoint, name,
                              self._loader(f"tf.train.Checkpoint.{name}", 1, "save_path"))
        self._wrap_method(tf.GradientTape, "gradient", self._tape_gradient)
        for name in ("from_tensor_slices", "from_tensors"):
            self._wrap_method(tf.data.Dataset, name, self._dataset_source)
        self._rebind(("tensorflow", "keras", "tf_keras"))

    def _patch_keras(self, keras: Any) -> None:
        model = keras.Model
        self._wrap_method(model, "fit", self._trainer("Model.fit", ((0, "x"),
                                                                    (7, "validation_data"))))
        self._wrap_method(model, "train_on_batch", self._trainer("Model.train_on_batch",
                                                                 ((0, "x"),)))
        self._wrap_method(model, "load_weights", self._loader("Model.load_weights", 1,
                                                              "filepath"))
        for owner in keras.optimizers.Optimizer.__mro__:
            for name in ("apply_gradients", "apply"):
                if name in owner.__dict__:
                    self._wrap_method(owner, name, self._optimizer_step(f"Optimizer.{name}"))
        self._wrap_function(keras.saving.load_model,
                            self._loader("keras.models.load_model", 0, "filepath"))
        if hasattr(keras.saving, "load_weights"):
            self._wrap_function(keras.saving.load_weights,
                                self._loader("keras.saving.load_weights", 1, "filepath"))
        self._wrap_function(keras.utils.get_file, self._download)
        self._wrap_function(keras.utils.set_random_seed, self._seed("keras.utils.set_random_seed"))
        self._rebind(("keras", "tensorflow", "tf_keras"))

    def _patch_pyplot(self, plt: Any) -> None:
        """plt.show() saves the current figure to the parent's path instead of showing it."""
        path, original = self.figure, plt.show

        @functools.wraps(original)
        def show(*args: Any, **kwargs: Any) -> None:
            if not plt.get_fignums():
                return
            self.quiet += 1
            with self.guarded("saving the figure"):
                plt.gcf().savefig(path, dpi=FIGURE_DPI)
            self.quiet -= 1

        plt.show = show


class _PostImportFinder:
    """Finds a patched module with the other finders, then runs its patch after its code."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.busy: set[str] = set()

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        harness = self.harness
        if name not in harness.patches or name in harness.patched or name in self.busy:
            return None
        self.busy.add(name)
        try:
            spec = next((s for f in sys.meta_path if f is not self and hasattr(f, "find_spec")
                         for s in [f.find_spec(name, path, target)] if s is not None), None)
        finally:
            self.busy.discard(name)
        loader = getattr(spec, "loader", None)
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_patch(module: types.ModuleType) -> None:
            try:
                exec_module(module)
            finally:
                vars(loader).pop("exec_module", None)
            harness.patch(name, module)

        with contextlib.suppress(AttributeError, TypeError):  # a loader that takes no attributes
            loader.exec_module = exec_and_patch  # type: ignore[union-attr]
        return spec


# -------------------------------------------------------------------------------------- helpers


def _layer_names(model: Any) -> list[str]:
    """Class names of the model and every layer inside it (submodels, wrappers, RNN cells).

    A class the script defined is reported as the Keras class it extends, plus a note of its own
    name: a subclass of Dense named "Conv2D" must not pass for a convolution.
    """
    try:
        layers = list(model._flatten_layers(include_self=True, recursive=True))
    except (AttributeError, TypeError):  # not Keras 3: the top-level layers only
        layers = [model, *getattr(model, "layers", [])]
    names: list[str] = []
    for layer in layers[:MAX_LAYERS]:
        cls = type(layer)
        base = next((c for c in cls.__mro__ if _library_class(c)), object)
        names.append(base.__name__)
        if base is not cls:
            names.append(f"{cls.__name__} (subclass of {base.__name__})")
    return names


def _library_class(cls: type) -> bool:
    return cls.__module__.partition(".")[0] in ("keras", "tensorflow", "tf_keras")


def _name_of(source: Any) -> str:
    if isinstance(source, (str, bytes, os.PathLike)):
        return os.path.basename(os.fsdecode(os.fspath(source)))
    return type(source).__name__


def _called_from(package: str) -> bool:
    """Whether Keras' ``package`` (e.g. applications) is on the current call stack."""
    needle = os.sep + os.path.join("keras", "src", package) + os.sep
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        if needle in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _loopback_probe(address: Any) -> bool:
    return (isinstance(address, tuple) and len(address) >= 2 and address[0] in LOOPBACK
            and address[1] == 0)


def _script_traceback(tb: types.TracebackType | None, script: str) -> types.TracebackType | None:
    """The traceback from the script's first frame on: what a bare run would print."""
    while tb is not None and tb.tb_frame.f_code.co_filename != script:
        tb = tb.tb_next
    return tb


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="child.py", description=__doc__.partition("\n")[0])
    parser.add_argument("--facts-fd", type=int, required=True)
    parser.add_argument("--dataset", required=True, help="the dataset's file name, in the cwd")
    parser.add_argument("--test-names", default="", help="globals holding the test set, a,b")
    parser.add_argument("--figure", default=None, help="plt.show() saves the figure here")
    parser.add_argument("script")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = _parse(argv)
    script = os.path.abspath(options.script)
    if not os.path.isfile(script):  # as a bare run reports it
        sys.stderr.write(f"{sys.executable}: can't open file {script!r}: "
                         "[Errno 2] No such file or directory\n")
        sys.exit(2)
    try:
        os.set_inheritable(options.facts_fd, False)  # not for the script's own subprocesses
        fd = options.facts_fd
    except OSError:
        fd = -1
    if options.figure:
        os.environ["MPLBACKEND"] = "Agg"
    facts = Facts(fd)
    harness = Harness(facts=facts, script=script, argv0=options.script, dataset=options.dataset,
                      test_names=[n for n in options.test_names.split(",") if n],
                      figure=options.figure)
    sys.argv = [options.script]
    sys.path.insert(0, os.path.dirname(script))
    harness.install()
    facts.write()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        harness.finish()
        raise
    except KeyboardInterrupt:
        harness.finish()
        raise
    except BaseException as error:  # noqa: BLE001 - reported exactly as a bare run would
        harness.finish()
        error.__traceback__ = _script_traceback(error.__traceback__, script)
        sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)
    harness.finish()


if __name__ == "__main__":
    main()
