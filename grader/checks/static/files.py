"""``sandbox.file``: the only file the script may touch is the dataset, and only to read it.

Other files are other data (a copy of MNIST, saved weights, cached features) or leave traces
between runs (checkpoints); the graded run has none of them. Found, however the API is imported:

- opening or reading a path that is not the dataset (``open``, ``io.open``, ``os.open``,
  ``np.loadtxt``, ``pd.read_csv``, ``Path(...).read_text()``, ``tf.data.TextLineDataset`` ...),
  and opening the dataset for writing;
- anything that writes, lists, moves or deletes files, or reads a binary format the dataset is
  not in: ``np.save``/``np.load``, ``shutil``, ``tempfile``, ``glob``, ``os.remove``,
  ``model.save(...)``, ``save_weights``, ``ModelCheckpoint``, ``CSVLogger``, ``TensorBoard``,
  ``plt.savefig``, ``dataset.cache("file")`` ...

Reading the dataset (see :mod:`grader.checks.static.paths` for the spellings accepted) and
``os.devnull`` are fine, and so is a method of the script's own that shares a file method's name
(a callback's ``save()``, :mod:`grader.checks.static.own_methods`); where the receiver cannot be
traced to the script's class or a library's, the finding is a warning that says so.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, called, code
from grader.checks.static.own_methods import OwnMethods, own_methods
from grader.checks.static.paths import is_dataset, is_devnull
from grader.ids import CheckId
from grader.pysource.scan import CallSite, Scan
from grader.records import Finding, Severity


@dataclass(frozen=True)
class Reader:
    """Where a reading function takes its path and, if it has one, its mode."""

    path: int | None  # positional index; None: the path is the receiver (``Path(p).read_text()``)
    path_keywords: tuple[str, ...] = ()
    mode: int | None = None  # positional index of the mode
    mode_keyword: str | None = None


_OPEN = Reader(0, ("file", "filename"), 1, "mode")
_READ = Reader(0, ("fname", "file", "filename", "filenames", "filepath_or_buffer", "files"))
# fmt: off
READERS: dict[str, Reader] = {
    "builtins.open": _OPEN,
    "io.open": _OPEN,
    "codecs.open": _OPEN,
    "io.open_code": Reader(0, ("path",)),
    "os.open": Reader(0, ("path",), 1, "flags"),
    "tensorflow.io.gfile.GFile": Reader(0, ("name",), 1, "mode"),
    "numpy.loadtxt": _READ,
    "numpy.genfromtxt": _READ,
    "numpy.fromfile": _READ,
    "numpy.fromregex": _READ,
    "pandas.read_csv": _READ,
    "pandas.read_table": _READ,
    "pandas.read_fwf": _READ,
    "tensorflow.data.TextLineDataset": _READ,
    "tensorflow.io.read_file": _READ,
    "fileinput.input": _READ,
    "linecache.getline": _READ,
    "linecache.getlines": _READ,
    "pathlib.Path().read_text": Reader(None),
    "pathlib.Path().read_bytes": Reader(None),
    "pathlib.Path().open": Reader(None, (), 0, "mode"),
}
# fmt: on
_WRITE_MODE = frozenset("wax+")
#: path methods that read, recognised on any receiver (the path may be built at run time)
_PATH_READS = frozenset({"read_text", "read_bytes"})
_READ_ONLY_FLAGS = "os.O_RDONLY"

# fmt: off
#: functions that write, list, move or delete files, or load binary data, whatever the path
FILE_FUNCTIONS = Prefixes([
    "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "numpy.load",
    "numpy.memmap", "numpy.lib.format.open_memmap", "pandas.read_*", "joblib.dump",
    "joblib.load", "h5py.File", "shelve.open", "tarfile", "zipfile", "tempfile", "shutil",
    "glob", "gzip.open", "bz2.open", "lzma.open",
    "os.listdir", "os.scandir", "os.walk", "os.fwalk", "os.remove", "os.unlink", "os.rename",
    "os.renames", "os.replace", "os.mkdir", "os.makedirs", "os.rmdir", "os.removedirs",
    "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate", "os.mkfifo", "os.mknod",
    "os.chdir", "os.chroot", "os.utime",
    "keras.callbacks.ModelCheckpoint", "keras.callbacks.BackupAndRestore",
    "keras.callbacks.CSVLogger", "keras.callbacks.TensorBoard", "keras.models.save_model",
    "keras.saving.save_model", "keras.models.load_model", "keras.saving.load_model",
    "keras.saving.save_weights", "keras.saving.load_weights", "keras.utils.plot_model",
    "keras.utils.image_dataset_from_directory", "keras.utils.text_dataset_from_directory",
    "keras.utils.audio_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory",
    "keras.preprocessing.text_dataset_from_directory", "keras.utils.load_img",
    "keras.utils.save_img", "keras.preprocessing.image.load_img", "keras.layers.TFSMLayer",
    "tensorflow.saved_model", "tensorflow.io.write_file", "tensorflow.io.gfile",
    "tensorflow.summary.create_file_writer", "tensorflow.data.TFRecordDataset",
    "tensorflow.data.FixedLengthRecordDataset", "tensorflow.data.experimental.save",
    "tensorflow.data.experimental.load", "tensorflow.data.Dataset.load",
    "tensorflow.data.Dataset.list_files", "tensorflow.train.Checkpoint().save",
    "tensorflow.train.Checkpoint().write", "tensorflow.train.Checkpoint().restore",
    "tensorflow.train.Checkpoint().read", "tensorflow.train.CheckpointManager",
    "tensorflow.train.load_checkpoint", "tensorflow.train.load_variable",
    "tensorflow.train.latest_checkpoint", "tensorflow.train.list_variables",
    "tensorflow.compat.v1.train.Saver",
    "matplotlib.pyplot.savefig", "matplotlib.pyplot.imsave", "matplotlib.pyplot.imread",
    "matplotlib.image.imsave", "matplotlib.image.imread", "PIL.Image.open", "imageio",
    "cv2.imread", "cv2.imwrite", "torch.save", "torch.load",
])
# fmt: on
# fmt: off
#: methods that write or read files when given a path (on any receiver: ``Model.save(m, p)``)
FILE_METHODS: frozenset[str] = frozenset({
    "save", "save_weights", "load_weights", "export", "savefig", "tofile", "to_csv",
    "to_pickle", "to_parquet", "to_hdf", "to_excel", "to_feather", "to_json",
})
# fmt: on
# fmt: off
#: methods only path objects have (so any receiver counts)
PATH_METHODS: frozenset[str] = frozenset({
    "write_text", "write_bytes", "read_text", "read_bytes", "iterdir", "rglob", "touch",
    "symlink_to", "hardlink_to",
})
# fmt: on
# fmt: off
#: methods that touch files when called on a ``pathlib`` path (other objects have them too)
PATHLIB_ONLY_METHODS: frozenset[str] = frozenset({
    "glob", "mkdir", "unlink", "rmdir", "rename", "replace", "chmod", "walk", "open",
})
# fmt: on


class SandboxFile(LineCheck):
    id = CheckId.SANDBOX_FILE

    def message(self, found: str) -> str:
        return (
            f"touches files other than the dataset: {found}. A graded run may only read the "
            "provided dataset"
        )

    def check(self, ctx: TaskContext) -> Iterator[Finding]:
        yield from super().check(ctx)
        own = own_methods(ctx.scan, FILE_METHODS)
        for site in self._maybe_own(ctx.scan, own):
            if site.line not in ctx.provided_lines:
                yield self.finding(
                    f"{code(site.node)} may write a file: the script defines its own "
                    f"`{site.method}` method, but the check cannot tell whether this object is "
                    "one of its own or a model. A graded run may only read the provided dataset; "
                    "the runs record every file opened",
                    file=ctx.file.name, line=site.line, severity=Severity.WARNING,
                )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        dataset = ctx.original.dataset_name
        own = own_methods(scan, FILE_METHODS)
        unsure = {id(site.node) for site in self._maybe_own(scan, own)}
        skipped = own.calls | unsure  # the script's own save(), or a warning
        for site in scan.calls:
            if skipped and id(site.node) in skipped:
                continue
            what = self._call(site, dataset, scan)
            if what:
                yield site.line, what

    @staticmethod
    def _maybe_own(scan: Scan, own: OwnMethods) -> Iterator[CallSite]:
        """``x.save(...)`` when the script defines a ``save`` itself and ``x`` is a plain name
        the resolver cannot trace (a parameter, a loop variable): it may be either. An attribute
        (``self.model``) or a call's result is not the script's object as far as the check can
        see, and stays a violation."""
        if not own.names:
            return
        for site in scan.calls:
            func = site.node.func
            if (
                site.method in own.names
                and id(site.node) not in own.calls
                and site.receiver is None
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (site.node.args or site.node.keywords)
            ):
                yield site

    def _call(self, site: CallSite, dataset: str, scan: Scan) -> str | None:
        call = site.node
        callee = _reader_callee(site)
        reader = READERS.get(callee or "")
        if reader is not None:
            return _read(call, callee or "", reader, dataset, scan)
        if FILE_FUNCTIONS.match(callee) is not None:
            return called(call)
        if site.method in FILE_METHODS and (call.args or call.keywords):
            return code(call)  # model.save(path), and keras.Model.save(model, path) alike
        if not site.on_object:
            return None
        if site.method in PATH_METHODS or (
            site.method in PATHLIB_ONLY_METHODS and (site.receiver or "").startswith("pathlib.")
        ):
            return code(call)
        if site.method == "cache" and call.args and scan.resolver.string(call.args[0]) != "":
            return f"{code(call)} (a cache file)"
        return None


def dataset_reads(scan: Scan, dataset: str) -> Iterator[CallSite]:
    """The calls that read the dataset (what this check allows), for checks that care who reads
    it: the whole file holds the test rows too."""
    for site in scan.calls:
        callee = _reader_callee(site)
        reader = READERS.get(callee or "")
        if reader is None or callee is None:
            continue
        path = _path(site.node, reader)
        if (
            path is not None
            and is_dataset(path, dataset, scan.resolver)
            and _read(site.node, callee, reader, dataset, scan) is None
        ):
            yield site


def _reader_callee(site: CallSite) -> str | None:
    """The callee as :data:`READERS` knows it: a path built at run time (``(d / "x").read_text()``)
    is read like a ``pathlib.Path``."""
    if site.on_object and site.method in _PATH_READS and site.callee not in READERS:
        return f"pathlib.Path().{site.method}"
    return site.callee


def _path(call: ast.Call, reader: Reader) -> ast.expr | None:
    if reader.path is None and isinstance(call.func, ast.Attribute):
        return call.func.value  # Path("dataset.txt").read_text()
    return _argument(call, reader.path, reader.path_keywords)


def _read(call: ast.Call, callee: str, reader: Reader, dataset: str, scan: Scan) -> str | None:
    """None when ``call`` reads the dataset (or the null device); else what to report."""
    resolver = scan.resolver
    path = _path(call, reader)
    mode = _argument(call, reader.mode, (reader.mode_keyword,) if reader.mode_keyword else ())
    if path is not None and is_devnull(path, resolver):
        return None
    if path is None or not is_dataset(path, dataset, resolver):
        return code(call)
    if callee == "os.open":
        read_only = mode is not None and resolver.resolve(mode) == _READ_ONLY_FLAGS
        return None if read_only else f"{code(call)} (not read-only)"
    if mode is None:
        return None
    text = resolver.string(mode)
    if text is None or _WRITE_MODE & set(text):
        return f"{code(call)} (opens the dataset for writing)"
    return None


def _argument(call: ast.Call, position: int | None, keywords: tuple[str, ...]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position is not None and len(call.args) > position:
        argument = call.args[position]
        return None if isinstance(argument, ast.Starred) else argument
    return None
