"""The running app in headless Chromium: every page renders its chart, shows no error, and is screenshotted.

Screenshots (1280×720) go to ``$NNVIZ_SCREENSHOTS`` or ``artifacts/screenshots``; the folder is printed.
On CI (``CI=true``) a missing Chromium fails these tests instead of skipping them.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from nnviz.training import MAX_EPOCHS
from tests.servers import ROOT, running_app
from ui.registry import HOME, all_pages

pytestmark = pytest.mark.browser


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 720}
# Pages other than Home first: a fresh server's first visitor opening /<page> directly must get the
# app's navigation and sidebar too.
PAGES = all_pages()[1:] + [HOME]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests must run on CI but {CHROMIUM} is missing (make test installs it)")
    pytest.skip(f"{CHROMIUM} not installed (run `make test` to install it)", allow_module_level=True)


@pytest.fixture(scope="module")
def app_url():
    """The app on a free port (tests.servers), for every test of this module."""
    with running_app() as (_, url):
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshot_dir() -> Path:
    folder = Path(os.environ.get("NNVIZ_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {folder}")
    return folder


def _open(browser, url: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(1500)  # let plotly finish its transitions before the screenshot
    return page


def _assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_page_renders_its_chart_without_errors(spec, app_url, browser, screenshot_dir):
    url = app_url if spec is HOME else f"{app_url}/{spec.url_path}"
    page = _open(browser, url)
    try:
        _assert_clean(page)
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("Presenter mode").is_visible(), "app.py's sidebar is missing"
        assert sidebar.get_by_text("Foundations").is_visible(), "app.py's navigation is missing"
        page.screenshot(path=str(screenshot_dir / f"{spec.url_path}.png"))
    finally:
        page.close()


def test_presenter_mode_enlarges_type_and_hides_chrome_and_keeps_the_seed(app_url, browser, screenshot_dir):
    page = _open(browser, app_url)
    try:
        seed = page.locator("[data-testid=stSidebar]").get_by_role("spinbutton", name="Seed")
        seed.click()
        seed.press("Control+a")
        seed.type("7")  # typed key by key: Streamlit ignores a programmatic fill
        seed.press("Enter")
        page.wait_for_timeout(1000)
        normal_size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.get_by_text("Presenter mode").click()
        page.wait_for_function(
            f"() => parseFloat(getComputedStyle(document.documentElement).fontSize) > {normal_size}", timeout=30_000
        )
        page.wait_for_timeout(1500)
        assert not page.locator('header[data-testid="stHeader"]').is_visible()
        assert page.locator("[data-testid=stSidebar]").get_by_role("spinbutton", name="Seed").input_value() == "7"
        _assert_clean(page)
        page.screenshot(path=str(screenshot_dir / "home-presenter.png"))
    finally:
        page.close()


_PLOT_STATE = """(prefix) => {
    // The chart whose title starts with prefix, remembered once found (its title may change as it animates).
    const plot = document.querySelector('.js-plotly-plot[data-watched]')
        || [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => p.layout && p.layout.title && String(p.layout.title.text).startsWith(prefix));
    if (!plot) return null;
    plot.setAttribute('data-watched', '1');
    return {title: String(plot.layout.title.text), points: plot._fullData.map(t => t.x ? t.x.length : 0)};
}"""


def _play(page, title_prefix: str) -> tuple[dict, dict]:
    """Press ▶ Play on the chart whose title starts with ``title_prefix``; its state before and during the animation."""
    before = page.evaluate(_PLOT_STATE, title_prefix)
    assert before is not None, f"no chart titled {title_prefix}…"
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text=title_prefix).first
    chart.scroll_into_view_if_needed()
    chart.get_by_text("▶ Play").click()
    page.wait_for_function(
        f"() => JSON.stringify(({_PLOT_STATE})('{title_prefix}')) !== JSON.stringify({json.dumps(before)})",
        timeout=10_000,
    )
    return before, page.evaluate(_PLOT_STATE, title_prefix)


def test_forward_pass_animation_plays_in_the_browser(app_url, browser):
    page = _open(browser, f"{app_url}/forward")
    try:
        before, during = _play(page, "Step 0")
        assert before["title"] != during["title"], "the frames did not advance the highlighted step"
    finally:
        page.close()


def test_optimizer_race_animation_plays_in_the_browser(app_url, browser):
    page = _open(browser, f"{app_url}/descent?quiz=0")  # no prediction asked: the race opens finished
    try:
        page.get_by_role("tab", name="Race").click()
        page.wait_for_function(f"() => ({_PLOT_STATE})('Race') !== null", timeout=60_000)
        before, during = _play(page, "Race")
        assert before["points"][0] == during["points"][0], "the loss surface must stay as it is"
        assert max(during["points"]) < max(before["points"]), "the paths did not restart from the start point"
        _assert_clean(page)
    finally:
        page.close()


def _points_caption(page) -> int:
    """Training + test points, from the Playground's caption under its settings."""
    text = page.get_by_text("training and").first.inner_text()
    numbers = [int(word.replace(",", "")) for word in text.split() if word.replace(",", "").isdigit()]
    return numbers[-2] + numbers[-1]


def test_playground_clicks_points_onto_the_plane_and_plays(app_url, browser):
    page = _open(browser, f"{app_url}/playground?data=yours")
    try:
        _assert_clean(page)
        before = _points_caption(page)
        plane = page.locator('[data-testid="stPlotlyChart"]').nth(1).locator(".nsewdrag").first
        box = plane.bounding_box()
        x, y = box["x"] + box["width"] * 0.93, box["y"] + box["height"] * 0.07  # a corner: no point there yet
        page.mouse.move(x - 5, y + 5)
        page.mouse.move(x, y)  # plotly finds the point under the mouse on a move, then the click selects it
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        deadline = time.monotonic() + 30
        while _points_caption(page) != before + 1 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert _points_caption(page) == before + 1
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
        page.wait_for_timeout(2000)
        step = int(page.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
        assert step > 0
        _assert_clean(page)
    finally:
        page.close()


_CANVAS_STATE = """() => [...document.querySelectorAll('.nnviz-canvas')].map(root => {
  const canvas = root.querySelector('canvas'), g = canvas.getContext('2d');
  const pixels = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let coloured = 0;
  for (let k = 0; k < pixels.length; k += 4) if (pixels[k] < 200 || pixels[k + 2] < 200) coloured += 1;
  return {paints: Number(root.dataset.paints), coloured};
})"""


def _play_live(page, canvases: int, settle_ms: int, gap_ms: int) -> tuple[list, list]:
    """Press Play, wait until the page paints its ``canvases`` live canvases, and read them twice, ``gap_ms``
    apart (:data:`_CANVAS_STATE`)."""
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    page.wait_for_function(f"() => document.querySelectorAll('.nnviz-canvas').length === {canvases}", timeout=30_000)
    page.wait_for_timeout(settle_ms)
    return _read_twice(page, gap_ms)


def _read_twice(page, gap_ms: int) -> tuple[list, list]:
    """The page's live canvases read twice, ``gap_ms`` apart (:data:`_CANVAS_STATE`)."""
    first = page.evaluate(_CANVAS_STATE)
    page.wait_for_timeout(gap_ms)
    return first, page.evaluate(_CANVAS_STATE)


def _pause_to_plotly(page, charts: int) -> None:
    """Press Pause: the live canvases give way to at least ``charts`` plotly charts, and nothing failed."""
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('.nnviz-canvas').length === 0", timeout=30_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= charts  # stopped: plotly's charts again
    _assert_clean(page)


def test_playground_trains_on_the_live_canvas_with_hover_labels_and_clickable_weights(app_url, browser):
    # The most epochs a run may have: it must still train when the sweep below ends (on a fast machine 1,000 epochs
    # were over before the click, which then fell on the paused run's plotly chart while it was being drawn).
    page = _open(browser, f"{app_url}/playground?hidden=3&lr=0.01&epochs={MAX_EPOCHS}")
    try:
        first, later = _play_live(page, 3, 1500, 1500)  # the network, the plane and the loss curve
        assert all(state["coloured"] > 5_000 for state in later), "a canvas is blank"
        assert all(b["paints"] >= a["paints"] + 3 for a, b in zip(first, later, strict=True)), "no live redraws"
        network = page.locator(".nnviz-canvas canvas").first
        box = network.bounding_box()
        label = page.locator(".nnviz-canvas-label").first
        found = None
        for fy in np.linspace(0.2, 0.8, 13):  # sweep the pointer over the edges until it is on a weight
            for fx in np.linspace(0.15, 0.85, 29):
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                if label.is_visible() and "click to edit" in label.inner_text():
                    found = fx, fy
                    break
            if found:
                break
        assert found, "no hover label on any weight"
        assert page.get_by_role("button", name="Pause", exact=True).is_visible(), "the run ended before the click"
        assert re.search(r"w\(\d\)\d,\d = [−-]?\d", label.inner_text().replace("\n", "")), label.inner_text()
        box = network.bounding_box()  # where the weight is now, had anything above the canvas moved it
        page.mouse.click(box["x"] + found[0] * box["width"], box["y"] + found[1] * box["height"])
        page.get_by_text("(the network trains on from the value you type)").wait_for(timeout=30_000)
        _pause_to_plotly(page, 2)
    finally:
        page.close()


def _feed_answers(page) -> list[str]:
    """The statuses of the page's feed fetches (ui.feed), collected from now on."""
    answers: list[str] = []
    page.on("response", lambda response: "/_nnviz/feed/" in response.url and answers.append(response.status))
    return answers


def test_the_playgrounds_canvases_fetch_their_figures_from_the_feed_and_rerun_without_it(app_url, browser):
    """Served by serve.py, the playground's maps and curve come from the feed ~10 and ~2.5 times a second while it
    trains (no rerun of their areas); a browser that cannot reach the feed still sees them redrawn (by reruns)."""
    fed = _open(browser, f"{app_url}/playground?hidden=3&epochs={MAX_EPOCHS}")
    try:
        answers = _feed_answers(fed)
        first, later = _play_live(fed, 3, 1000, 3000)
        assert all(b["paints"] >= a["paints"] + 3 for a, b in zip(first, later, strict=True)), "no live redraws"
        assert answers.count(200) >= 15, answers  # 3 canvases for 4 s: about 90 scenes at this machine's best
        _pause_to_plotly(fed, 2)
        assert 410 in answers  # the run stopped: its feeds are over
    finally:
        fed.close()
    cut_off = _open(browser, f"{app_url}/playground?hidden=3&epochs={MAX_EPOCHS}")
    try:
        cut_off.route("**/_nnviz/feed/**", lambda route: route.abort())  # a proxy that does not pass the route on
        first, later = _play_live(cut_off, 3, 3000, 2000)  # after 3 failed fetches, the canvases ask for reruns
        assert all(b["paints"] >= a["paints"] + 3 for a, b in zip(first, later, strict=True)), "no redraws by rerun"
        _pause_to_plotly(cut_off, 2)
    finally:
        cut_off.close()


def test_train_page_trains_on_the_live_canvas_and_its_log_axis_hovers_with_the_norms(app_url, browser):
    page = _open(browser, f"{app_url}/train?epochs={MAX_EPOCHS}")
    try:
        first, later = _play_live(page, 5, 1000, 3000)  # the curves, the test images, the confusion matrix, the norms
        assert all(state["coloured"] > 2_000 for state in later), "a canvas is blank"
        assert later[0]["paints"] >= first[0]["paints"] + 3, "the loss curve is not redrawn live"
        assert all(b["paints"] > a["paints"] for a, b in zip(first, later, strict=True)), "a picture stays as it was"
        norms = page.locator(".nnviz-canvas canvas").nth(4)
        norms.scroll_into_view_if_needed()
        box, label, shown = norms.bounding_box(), page.locator(".nnviz-canvas-label").nth(4), []
        for fy in np.linspace(0.3, 0.8, 11):  # sweep the pointer over the plot until it is on the lines
            for fx in np.linspace(0.3, 0.8, 6):
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                if label.is_visible() and "‖∂L/∂W‖ =" in label.inner_text():
                    shown.append(label.inner_text())
        assert shown, "no hover label on the gradient norms"
        values = [float(text.rsplit("=", 1)[1].replace("−", "-")) for text in shown]
        assert all(0 < value < 100 for value in values), shown  # the norms, not their log10 (the layer 1 ones < 1)
        _pause_to_plotly(page, 5)
    finally:
        page.close()


def test_the_inspect_page_follows_the_training_run_with_its_weights_on_the_feed(app_url, browser):
    """A run played on the Train page trains on while its student looks inside it: the first layer's weights are
    painted on the live canvas from the feed, about once a second, and back in plotly once the run is paused."""
    page = _open(browser, f"{app_url}/train?epochs={MAX_EPOCHS}")
    try:
        _play_live(page, 5, 0, 0)
        page.locator('[data-testid="stSidebar"]').get_by_text("Inside the MNIST network").click()
        page.get_by_text("What the first layer looks for").wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.nnviz-canvas').length === 1", timeout=60_000)
        answers = _feed_answers(page)
        page.wait_for_timeout(1500)
        first, later = _read_twice(page, 3000)
        assert later[0]["coloured"] > 5_000, "the weights are blank"
        assert later[0]["paints"] >= first[0]["paints"] + 2, "the weights are not redrawn while the run trains"
        assert answers.count(200) >= 3, answers
        _assert_clean(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("Train a network").click()
        _pause_to_plotly(page, 4)
    finally:
        page.close()
