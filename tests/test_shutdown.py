"""Stopping the server while a session trains exits cleanly, every time, and its trainer process ends with it (also
when the server is killed).

The first version exited with SIGABRT ("terminate called without an active exception") in 2 of 7 SIGTERMs:
a training thread was still inside a torch op while the interpreter finalised. nnviz.live stops every run at
exit before the interpreter freezes its daemon threads. Served by ``serve.py`` (uvicorn, as ``make run`` starts
it), the server shuts down gracefully on SIGTERM and then raises the signal again, as uvicorn does, so that its
exit status says what stopped it (-15); ``app.py``'s own server exits with 0.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.image_fixtures import write_mnist
from tests.servers import children, start_app
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

pytestmark = pytest.mark.browser
TRIES = 3


@pytest.mark.parametrize(("script", "status"), [("serve.py", -signal.SIGTERM), ("app.py", 0)])
def test_sigterm_while_training_ends_the_server_cleanly(tmp_path, script, status):
    import os

    from playwright.sync_api import sync_playwright

    write_mnist(tmp_path / "MNIST" / "raw")
    env = os.environ | {"NNVIZ_DATA": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    codes = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(TRIES):
            server, url = start_app(env, script)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{url}/train?epochs=5000", wait_until="domcontentloaded")
            page.get_by_role("button", name="Play").click(timeout=90_000)
            page.get_by_role("button", name="Pause").wait_for(timeout=30_000)  # it trains in the worker now
            time.sleep(1.0)
            trainers = children(server.pid)
            assert trainers, "the run trains in the trainer process"
            server.send_signal(signal.SIGTERM)
            try:
                codes.append(server.wait(timeout=30))
                assert ended(trainers), "the trainer process outlived the server"
            finally:
                page.close()
                if server.poll() is None:
                    server.kill()
        browser.close()
    assert codes == [status] * TRIES, f"exit statuses {codes} (-6: it crashed while finalising)"


def test_a_killed_servers_trainer_process_ends_by_itself():
    from playwright.sync_api import sync_playwright

    server, url = start_app()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            browser.new_page(viewport=VIEWPORT).goto(url, wait_until="domcontentloaded")  # app.py starts it
            deadline = time.monotonic() + 60
            while not (trainers := children(server.pid)) and time.monotonic() < deadline:
                time.sleep(0.2)
            browser.close()
        assert trainers, "the server started no trainer process"
    finally:
        server.kill()
        server.wait(timeout=30)
    assert ended(trainers), "the trainer process outlived the killed server"


def ended(pids: list[int], timeout: float = 15.0) -> bool:
    """Whether the processes have all exited (zombies count as exited) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_running(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
