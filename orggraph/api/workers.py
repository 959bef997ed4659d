"""``orggraph serve --workers N``: N server processes, each with its own socket on one port.

One process runs one thread's Python at a time (the GIL), so a server with cores to spare
runs several. Each worker is started anew (``spawn``), builds its application from the
settings its supervisor hands down as ``ORGGRAPH_*`` variables (``worker_app``), opens the
store itself (on the embedded store its own index, which sees the other workers' writes
before its next request, ``FreshIndex``; on Neo4j its own driver) and listens on its own
socket bound with ``SO_REUSEPORT``, so that the kernel spreads the connections evenly.
(With one socket shared, as uvicorn's own supervisor does, the worker that woke first
took most of them: measured 1,113 against 216 ticks of CPU, and two workers served the
chain no faster than one.)

The supervisor starts a worker again when one dies, ends them on SIGTERM or SIGINT, and
a worker ends by itself when its supervisor is gone (killed outright, it could not end
them): no orphan goes on serving on the port.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from starlette.applications import Starlette

from orggraph.settings import SETTINGS, Settings

__all__ = ["exit_when_orphaned", "serve_workers", "worker_app"]

log = logging.getLogger("orggraph.api")

#: How often a worker looks whether its supervisor is still there, in seconds.
ORPHAN_CHECK_SECONDS = 1.0
_SUPERVISOR = "ORGGRAPH_SUPERVISOR_PID"


def exit_when_orphaned(parent: int) -> None:
    """End this process (a worker, a heavy child) when the process that started it is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        log.warning("orggraph process %d: its parent %d is gone; exiting", os.getpid(), parent)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def worker_app() -> Starlette:
    """The application of one worker process, from the ``ORGGRAPH_*`` variables."""
    from orggraph.api.app import SWITCH_INTERVAL, create_app, start_heavy
    from orggraph.settings import load_settings
    from orggraph.store import open_store
    from orggraph.store.base import freeze_long_lived

    settings = load_settings()
    parent = int(os.environ.get(_SUPERVISOR, "0"))
    if parent:
        exit_when_orphaned(parent)
    web = create_app(open_store(settings.store, settings), settings)
    freeze_long_lived()  # as serve(): the index out of the collector's reach
    sys.setswitchinterval(SWITCH_INTERVAL)
    start_heavy(web)
    return web


def _listening(host: str, port: int) -> socket.socket:
    """A socket of this worker's own on ``host:port``, shared with the others by the
    kernel (``SO_REUSEPORT``).

    Made with its protocol named (TCP), as ``getaddrinfo`` gives it to a server that binds
    its own: asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only on a connection
    whose socket says TCP. Without it a response written in two parts waited for the
    client's delayed acknowledgement: 48 ms a request on a kept-alive connection
    (5.7 ms on a new one), against 3.6 ms from a single worker.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = _listening(host, port)
    config = uvicorn.Config(worker_app(), ws="none", lifespan="on", **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(settings: Settings, workers: int, **options: Any) -> None:
    """Serve with ``workers`` processes until SIGTERM or SIGINT (see the module)."""
    for setting in SETTINGS:
        os.environ["ORGGRAPH_" + setting.name.upper()] = str(getattr(settings, setting.name))
    os.environ[_SUPERVISOR] = str(os.getpid())
    _listening(settings.host, settings.port).close()  # a port in use fails here, plainly
    spawn = multiprocessing.get_context("spawn")
    args = (settings.host, settings.port, options)
    procs = [spawn.Process(target=_worker, args=args) for _ in range(workers)]
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for proc in procs:
        proc.start()
    while not stopping.wait(0.5):
        for i, proc in enumerate(procs):
            if not proc.is_alive():
                log.warning(
                    "orggraph worker %s exited (%s); starting another", proc.pid, proc.exitcode
                )
                procs[i] = spawn.Process(target=_worker, args=args)
                procs[i].start()
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(30)
