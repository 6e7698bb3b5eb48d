"""Which layer confines the runs on this machine: found, probed once, never assumed.

``detect_isolation`` tries the layers in order (bubblewrap, then util-linux namespaces) and
keeps the first whose probe shows the confinement really holds: a tiny script run under it must
find itself unprivileged, without network, unable to write outside its work folder, in a work
folder of the quota's size, and unable to see the grader's process. Where none works it returns
"none" with the reason; the pipeline then refuses to run student code unless told otherwise.

``GRADER_ISOLATION`` (a comma-separated list of layers) narrows the layers tried: the hostile
tests set it to test the fallback with bubblewrap present.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.sandbox.isolation import NOBODY, Isolation, WorkFolder, python_paths, scrubbed_env

log = logging.getLogger(__name__)

LAYERS = ("bubblewrap", "namespaces")
LAYERS_VARIABLE = "GRADER_ISOLATION"
PROBE_TIMEOUT_S = 60.0
PROBE_DISK_MB = 8
#: run inside the sandbox by the probe: prints "ok" only if the confinement really holds
PROBE_CODE = """
import os, socket, sys
uid, grader, disk_mb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
assert uid < 0 or os.getuid() == uid, os.getuid()
open("probe.txt", "w").write("x")
size = os.statvfs(".").f_blocks * os.statvfs(".").f_frsize
assert size <= disk_mb * 2**20, f"the work folder is not limited ({size} bytes)"
for path in ("/probe-escape", "/tmp/probe-escape", sys.prefix + "/probe-escape"):
    try:
        open(path, "w")
    except OSError:
        pass
    else:
        sys.exit("wrote outside the work folder: " + path)
try:
    os.kill(grader, 0)
except OSError:
    pass
else:
    sys.exit("the grader's process is visible")
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("1.1.1.1", 53))
except OSError:
    print("ok")
else:
    sys.exit("network reachable")
"""


def bubblewrap(*, python: str = sys.executable) -> Isolation | None:
    """The bubblewrap layer for this machine, unprobed; None when a tool is missing."""
    return _layer("bubblewrap", "bwrap", python=python)


def namespaces(*, python: str = sys.executable) -> Isolation | None:
    """The util-linux layer (``unshare``, ``setpriv``), unprobed; None when a tool is missing."""
    return _layer("namespaces", "unshare", python=python)


def _layer(kind: str, program: str, *, python: str) -> Isolation | None:
    found, setpriv = shutil.which(program), shutil.which("setpriv")
    if found is None or setpriv is None:
        return None
    uid = NOBODY if os.geteuid() == 0 else None  # never run student code as root
    return Isolation(kind=kind, program=found, setpriv=setpriv, uid=uid,
                     read_only=python_paths(python), python=python)


def probe(isolation: Isolation, *, python: str = sys.executable) -> str:
    """Run a tiny script under ``isolation``; "" if the confinement holds, else what failed."""
    workdir = Path(tempfile.mkdtemp(prefix="grader-probe-"))
    try:
        workdir.chmod(0o755)
        uid = isolation.uid if isolation.uid is not None else -1
        work = WorkFolder(path=workdir, disk_mb=PROBE_DISK_MB, inodes=64)
        argv = isolation.wrap([python, "-I", "-c", PROBE_CODE, str(uid), str(os.getpid()),
                               str(PROBE_DISK_MB)], work=work)
        done = subprocess.run(argv, cwd=workdir, env=scrubbed_env(workdir=workdir, threads=1),
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode == 0 and done.stdout.strip() == "ok":
        return ""
    return (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}")[-500:]


def wanted_layers() -> tuple[str, ...]:
    """The layers to try, in order: all of them, or those ``GRADER_ISOLATION`` names."""
    named = os.environ.get(LAYERS_VARIABLE, "")
    chosen = tuple(layer for layer in LAYERS if layer in named.split(","))
    return chosen if named.strip() else LAYERS


def detect_isolation(layers: tuple[str, ...] | None = None) -> Isolation:
    """The first of ``layers`` (default ``wanted_layers()``) that works here, probed once."""
    return _detect(wanted_layers() if layers is None else layers)


@functools.cache
def _detect(layers: tuple[str, ...]) -> Isolation:
    makers = {"bubblewrap": bubblewrap, "namespaces": namespaces}
    reasons = []
    for layer in layers:
        candidate = makers[layer]()
        if candidate is None:
            reasons.append(f"{layer}: not installed")
            continue
        failure = probe(candidate)
        if not failure:
            return candidate
        reasons.append(f"{layer}: {failure}")
        log.info("isolation layer %s does not work here: %s", layer, failure)
    why = "; ".join(reasons) or "no layer allowed"
    return Isolation(kind="none", warning=(
        f"no isolation works on this machine ({why}): student code would have the network and "
        "the grader's file system, with only resource limits"))
