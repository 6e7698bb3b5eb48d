"""``sandbox.network``: the script may not reach the network.

Graded runs have no network, so a script that downloads anything fails there; and data fetched
from elsewhere (another copy of MNIST through ``keras.datasets``, ``keras.utils.get_file``,
``tensorflow_datasets``) is not the provided dataset. Found: imports and uses of socket and HTTP
libraries, however they are reached; ``urllib.parse`` (string handling only) is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, forbidden_uses
from grader.ids import CheckId
from grader.pysource.scan import Scan

# fmt: off
NETWORK = Prefixes([
    "socket", "socketserver", "ssl",
    "urllib.request", "urllib.error", "urllib.robotparser", "urllib2", "urllib3",
    "http", "httplib", "httplib2", "httpx", "requests", "aiohttp", "pycurl",
    "ftplib", "smtplib", "poplib", "imaplib", "nntplib", "telnetlib", "xmlrpc", "webbrowser",
    "websocket", "websockets", "paramiko", "grpc", "zmq",
    "asyncio.open_connection", "asyncio.open_unix_connection", "asyncio.start_server",
    "asyncio.start_unix_server",
    "keras.utils.get_file", "keras.datasets", "tensorflow_datasets",
])
# fmt: on


class SandboxNetwork(LineCheck):
    id = CheckId.SANDBOX_NETWORK

    def message(self, found: str) -> str:
        return (
            f"uses the network: {found}. Graded runs have no network, and only the provided "
            "dataset may be used"
        )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        return forbidden_uses(scan, NETWORK)
