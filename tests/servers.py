"""The app served on a free loopback port, for the browser tests and the benchmarks (one way to start it)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (none once it has exited)."""
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found += [int(child) for child in path.read_text().split()]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(env: dict | None = None, script: str = "serve.py") -> tuple[subprocess.Popen, str]:
    """``streamlit run serve.py`` (headless: the app with its live feeds, as ``make run`` starts it; ``script="app.py"``
    for the app without them) on a free port; the process and its URL once its health check answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("streamlit did not start")
        time.sleep(0.5)


@contextmanager
def running_app(env: dict | None = None, script: str = "serve.py") -> Iterator[tuple[subprocess.Popen, str]]:
    """:func:`start_app`, stopped (SIGTERM, then kill) when the block ends."""
    server, url = start_app(env, script)
    try:
        yield server, url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
