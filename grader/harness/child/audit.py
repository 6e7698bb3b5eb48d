"""The audit hook: files, sockets, processes and environment seeds the script's calls raise.

The hook is a guardrail, not a boundary (C-level file and process calls bypass it); the sandbox
is the boundary. It never raises: a hook that raises fails the script's own call.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

from .facts import Facts
from .files import FileRules
from .origins import LIBRARY, SCRIPT, Origins

#: programs libraries start on their own to probe the machine (platform.processor, matplotlib)
PROBE_PROGRAMS = frozenset({"uname", "fc-list", "fc-match", "ldconfig", "gcc", "cc", "ld", "lscpu"})
LOOPBACK = ("127.0.0.1", "::1", "localhost")
PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                            "os.spawn", "os.fork", "os.forkpty", "os.startfile"})
SOCKET_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.getaddrinfo",
                           "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto",
                           "socket.sendmsg"})
WATCHED = PROCESS_EVENTS | SOCKET_EVENTS | {"open", "os.putenv", "exec"}


class AuditHook:
    """Turns audit events into facts; ``sys.addaudithook(hook.on_event)`` installs it.

    It also notices the script's module starting (its code object's ``exec`` event), which is
    where the script's globals are found later. ``quiet`` > 0 while the harness itself opens
    files (saving the figure, reading Keras' config at the end): those opens are not facts.
    """

    def __init__(self, *, facts: Facts, origins: Origins, files: FileRules, script: str,
                 argv0: str) -> None:
        self.facts = facts
        self.origins = origins
        self.files = files
        self.script = script
        self.argv0 = argv0
        self.quiet = 0
        self.main_module: types.ModuleType | None = None

    def on_event(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in WATCHED:
            return
        try:  # noqa: SIM105 - plain try: this runs on every audited event
            self._record(event, args)
        except Exception:  # noqa: BLE001,S110 - a hook that raises fails the script's own call
            pass

    def _record(self, event: str, args: tuple[Any, ...]) -> None:
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


def _loopback_probe(address: Any) -> bool:
    return (isinstance(address, tuple) and len(address) >= 2 and address[0] in LOOPBACK
            and address[1] == 0)
