"""The run's own supervisor, inside fresh namespaces: build the file system, drop privileges, exec.

Run as ``python -I -S inside.py CONFIG`` (CONFIG a JSON document, see ``Config`` in
``grader.sandbox.isolation``) as root of new mount, pid, network, ipc, uts and cgroup namespaces,
made by util-linux ``unshare`` (layer "namespaces") or by bubblewrap (layer "bubblewrap").
Standard library only, never the grader's modules: it must start fast and trust nothing.

- layer "namespaces": a new root on an empty tmpfs holding only the read-only binds of the
  system and the Python installation, a fresh ``/proc`` of the run's pid namespace, a minimal
  ``/dev``; no ``/sys/fs/cgroup``, no home, no checkout, no output folder, no other hand-in. The
  host's root is detached (``pivot_root``), the new root is remounted read-only.
- layer "bubblewrap": bubblewrap built the root already; this step only adds the work folder.
- both: this process stays as the namespace's init (pid 1, bubblewrap's ``--as-pid-1``): it
  reaps orphans, keeps its capabilities and is not dumpable, so the run can neither ptrace nor
  read it, and when the run's main process ends it exits and the kernel kills everything left
  in the namespace.
- both: once built, it writes "ready" to the grader's pipe (``ready_fd``) and closes it, so a run
  that ends without it failed in the sandbox, the grader's fault, never the student's;
- both: the work folder is a tmpfs of ``disk_mb`` and ``inodes`` (the run's only writable
  place), with the script and the dataset bound read-only into it; then ``setpriv`` drops to an
  unprivileged uid (as root), clears every capability (bounding set too) and sets
  ``no_new_privs``, and execs the run.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import platform
import socket
import struct
import sys
from typing import Any

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_DUMPABLE = 4
#: pivot_root(2) has no glibc wrapper: its number per machine (elsewhere the chroot fallback)
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
#: statvfs flags a read-only remount must keep (in a user namespace they are locked)
KEPT_FLAGS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
              (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
              (os.ST_RELATIME, MS_RELATIME))
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
SHM_OPTIONS = "size=64m,nr_inodes=1024,mode=1777"
EXIT_SETUP = 125  # the sandbox could not be built (the grader's fault, not the student's)
READY = b"ready"  # written to the grader's ready pipe once the sandbox is built

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(libc.mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)),
           f"mount {target}")


def bind_read_only(source: str, target: str) -> None:
    """Bind ``source`` at ``target`` read-only, keeping the flags a user namespace locks."""
    mount(source, target, None, MS_BIND | MS_REC)
    kept = os.statvfs(source).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY
    for statvfs_flag, mount_flag in KEPT_FLAGS:
        if kept & statvfs_flag:
            flags |= mount_flag
    mount(None, target, None, flags)


def mountpoint(path: str, *, directory: bool) -> None:
    """An empty folder or file at ``path`` (with its parents) to mount onto."""
    os.makedirs(path if directory else os.path.dirname(path), exist_ok=True)
    if not directory and not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))


def work_folder(config: dict[str, Any], *, root: str, stage: str) -> None:
    """The size-limited tmpfs at the work folder, the stage's files bound read-only into it."""
    work = root + config["workdir"]
    mountpoint(work, directory=True)
    owner = 0 if config["uid"] is None else config["uid"]
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={config['disk_mb']}m,nr_inodes={config['inodes']},mode=0755,"
          f"uid={owner},gid={owner}")
    for name in config["files"]:
        target = os.path.join(work, name)
        mountpoint(target, directory=False)
        bind_read_only(os.path.join(stage, name), target)


def new_root(config: dict[str, Any]) -> str:
    """Layer "namespaces": the run's whole file system, built on an empty tmpfs; its path."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the host
    root = os.path.join(config["stage"], ".root")
    mountpoint(root, directory=True)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    for path in config["read_only"]:
        inner = root + path
        if os.path.islink(path):
            os.makedirs(os.path.dirname(inner), exist_ok=True)
            os.symlink(os.readlink(path), inner)
        elif os.path.exists(path):
            mountpoint(inner, directory=os.path.isdir(path))
            bind_read_only(path, inner)
    os.makedirs(root + "/proc")
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    dev = root + "/dev"
    os.makedirs(dev)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755")
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            mountpoint(f"{dev}/{name}", directory=False)
            mount("/dev/" + name, f"{dev}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(dev + "/shm")
    mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, SHM_OPTIONS)
    # read-only too: in a user namespace the run is its owner (the devices stay writable)
    mount(None, dev, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    os.makedirs(root + "/tmp", exist_ok=True)  # empty and, with the root, read-only
    work_folder(config, root=root, stage=config["stage"])
    return root


def enter(root: str) -> None:
    """Make ``root`` the root, detach the host's, and make the new root read-only."""
    os.chdir(root)
    number = PIVOT_ROOT.get(platform.machine())
    if number is not None:
        _check(libc.syscall(number, b".", b"."), "pivot_root")
        _check(libc.umount2(b".", MNT_DETACH), "umount the host's root")
    else:  # the switch_root way: no way back without CAP_SYS_CHROOT, which the run lacks
        mount(".", "/", None, 8192)  # MS_MOVE
        os.chroot(".")
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def loopback_up() -> None:
    """Bring ``lo`` up, as bubblewrap does: 127.0.0.1 of the run's own, empty network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags | 0x1 | 0x40))  # up, running


def drop_command(config: dict[str, Any]) -> list[str]:
    """``setpriv`` with every privilege dropped, then the run's argv."""
    command = [config["setpriv"]]
    if config["uid"] is not None:
        uid = config["uid"]
        command += [f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    return [*command, "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
            *config["argv"]]


def init(command: list[str], workdir: str) -> None:
    """Be the pid namespace's init: start the run, reap every orphan, exit as the run did."""
    _check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")  # /proc/1 closed to the run
    child = os.fork()  # not dumpable either until its exec: never a moment open to ptrace
    if child == 0:
        try:
            os.chdir(workdir)
            os.execv(command[0], command)
        finally:
            os._exit(127)
    while True:
        try:
            pid, status = os.wait()
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)  # as a shell (and bubblewrap) reports it


def main(argv: list[str]) -> None:
    config = json.loads(argv[1])
    try:
        if config["layer"] == "namespaces":
            root = new_root(config)
            enter(root)
            loopback_up()
        else:
            work_folder(config, root="", stage=config["stage"])
            for path in config["unmount"]:  # the stage and this file: no grader code stays
                _check(libc.umount2(_bytes(path), MNT_DETACH), f"umount {path}")
        os.chdir(config["workdir"])
    except OSError as error:
        sys.stderr.write(f"grader sandbox: cannot build the sandbox: {error}\n")
        os._exit(EXIT_SETUP)
    ready = config.get("ready_fd")
    if ready is not None:  # closed before the run starts: only this process can say "ready"
        os.write(ready, READY)
        os.close(ready)
    init(drop_command(config), config["workdir"])


if __name__ == "__main__":
    main(sys.argv)
