"""Stopping the server while a session trains exits cleanly (status 0), every time.

The first version exited with SIGABRT ("terminate called without an active exception") in 2 of 7 SIGTERMs:
a training thread was still inside a torch op while the interpreter finalised. nnviz.live stops every run at
exit before the interpreter freezes its daemon threads.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.image_fixtures import write_mnist
from tests.servers import start_app
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

pytestmark = pytest.mark.browser
TRIES = 3


def test_sigterm_while_training_exits_with_status_zero(tmp_path):
    import os

    from playwright.sync_api import sync_playwright

    write_mnist(tmp_path / "MNIST" / "raw")
    env = os.environ | {"NNVIZ_DATA": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    codes = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(TRIES):
            server, url = start_app(env)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{url}/train?epochs=5000", wait_until="domcontentloaded")
            page.get_by_role("button", name="Play").click(timeout=90_000)
            page.get_by_role("button", name="Pause").wait_for(timeout=30_000)  # it trains in the worker now
            time.sleep(1.0)
            server.send_signal(signal.SIGTERM)
            try:
                codes.append(server.wait(timeout=30))
            finally:
                page.close()
                if server.poll() is None:
                    server.kill()
        browser.close()
    assert codes == [0] * TRIES, f"exit statuses {codes} (a negative one is the signal that killed the server)"
