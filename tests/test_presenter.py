"""Presenter mode on a 1280×720 projector, in headless Chromium: sidebar folded away, nothing cut, chart in view.

:func:`text_cut_off` and :func:`first_chart_top` are written to be run over every page; the screenshots
(Home in both modes) go where tests/test_browser.py puts its own.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import ui
from tests.test_browser import VIEWPORT, _assert_clean, _open, app_url, browser, screenshot_dir  # noqa: F401
from ui import lecture, state
from ui.registry import all_pages

pytestmark = pytest.mark.browser

# Every visible text in the app whose box cuts it: shortened with "…", clipped by its own box or by an
# ancestor that hides overflow, or running past the right edge of the window. Text inside a box that scrolls
# (a wide formula, a code listing) and the charts' own SVG text are left out: they are meant to be so.
_TEXT_CUT_OFF = """(root) => {
    const cut = [];
    const width = document.documentElement.clientWidth;
    const exempt = ['.js-plotly-plot', 'pre', '.katex-display', '[data-testid="stTooltipContent"]',
                    '[data-testid="stSkipToContent"]'].join(', ');
    const scrolls = (style) => style.overflowX === 'auto' || style.overflowX === 'scroll';
    const describe = (el, why, text) => ({
        why, text: text.trim().slice(0, 60), testid: el.closest('[data-testid]')?.dataset.testid || el.tagName,
    });
    const seen = new Set();
    const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!node.textContent.trim() || seen.has(el) || el.closest(exempt)) continue;
        seen.add(el);
        const range = document.createRange();
        range.selectNodeContents(node);
        const text = range.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (text.width === 0 || text.right <= 0 || style.visibility === 'hidden') continue;  // not on screen
        if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
            cut.push(describe(el, 'ellipsis', node.textContent));
            continue;
        }
        if (text.right > width + 1) {
            cut.push(describe(el, 'past the right edge', node.textContent));
            continue;
        }
        for (let box = el; box && box !== document.body; box = box.parentElement) {
            const boxStyle = getComputedStyle(box);
            if (boxStyle.overflowX === 'visible') continue;
            if (scrolls(boxStyle)) break;
            const edge = box.getBoundingClientRect();
            const hidden = text.right <= edge.left || text.left >= edge.right;  // in a folded-away sidebar
            if (!hidden && (text.right > edge.right + 1 || text.left < edge.left - 1)) {
                cut.push(describe(el, 'clipped by its box', node.textContent));
            }
            break;
        }
    }
    return cut;
}"""


def text_cut_off(page, root: str = '[data-testid="stApp"]') -> list[dict]:
    """Every visible text under ``root`` that its box cuts (see ``_TEXT_CUT_OFF``): ``why``, ``text``, ``testid``."""
    return page.evaluate(_TEXT_CUT_OFF, root)


def first_chart_top(page) -> float:
    """The top of the page's first chart, in CSS pixels from the top of the window (before any scrolling)."""
    return page.evaluate("() => document.querySelector('[data-testid=\"stPlotlyChart\"]').getBoundingClientRect().top")


def sidebar_is_open(page) -> bool:
    """Whether the sidebar shows on screen (a collapsed one slides out past the left edge)."""
    return page.evaluate(
        "() => { const r = document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect();"
        " return r.right > 1 && r.width > 1; }"
    )


def _presenter_home(browser, app_url):  # noqa: F811
    page = _open(browser, f"{app_url}/?presenter=1")
    page.wait_for_function("() => parseFloat(getComputedStyle(document.documentElement).fontSize) === 20")
    page.wait_for_timeout(500)  # the sidebar's slide
    return page


def test_presenter_link_folds_the_sidebar_and_cuts_no_text(app_url, browser, screenshot_dir):  # noqa: F811
    page = _presenter_home(browser, app_url)
    try:
        _assert_clean(page)
        assert not sidebar_is_open(page)
        assert page.locator('[data-testid="stExpandSidebarButton"]').is_visible(), "no way to get the sidebar back"
        assert text_cut_off(page) == []
        assert 0 <= first_chart_top(page) < VIEWPORT["height"] - 200, "the chart must start well above the fold"
        page.screenshot(path=str(screenshot_dir / "home-presenter-link.png"))

        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(600)
        assert sidebar_is_open(page)
        assert text_cut_off(page) == []
        page.screenshot(path=str(screenshot_dir / "home-presenter-sidebar.png"))
        seed = page.locator("[data-testid=stSidebar]").get_by_role("spinbutton", name="Seed")
        seed.click()
        seed.press("Control+a")
        seed.type("4")
        seed.press("Enter")
        page.wait_for_function("() => location.search.includes('seed=4')", timeout=30_000)
        page.wait_for_timeout(600)
        assert sidebar_is_open(page), "a rerun must not fold away the sidebar the lecturer opened"
    finally:
        page.close()


def test_the_presenter_toggle_folds_and_unfolds_the_sidebar(app_url, browser, screenshot_dir):  # noqa: F811
    page = _open(browser, app_url)
    try:
        assert sidebar_is_open(page)
        assert text_cut_off(page) == []
        page.screenshot(path=str(screenshot_dir / "home-normal.png"))
        page.get_by_text("Presenter mode").click()
        page.wait_for_function("() => parseFloat(getComputedStyle(document.documentElement).fontSize) === 20")
        page.wait_for_timeout(600)
        assert not sidebar_is_open(page)
        assert "presenter=1" in page.url

        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(600)
        page.get_by_text("Presenter mode").click()
        page.wait_for_function("() => parseFloat(getComputedStyle(document.documentElement).fontSize) < 20")
        page.wait_for_timeout(600)
        assert sidebar_is_open(page), "switching presenter mode off brings the sidebar back"
        assert "presenter" not in page.url
    finally:
        page.close()


def test_a_copied_link_opens_the_same_view(app_url, browser):  # noqa: F811
    page = _open(browser, f"{app_url}/?w=-2.5&b=1&hide=x")
    try:
        _assert_clean(page)
        assert page.locator(".st-key-home_w [data-testid=stSlider]").is_visible()
        assert page.locator(".st-key-home_x").count() == 0, "hidden by the link"
        assert page.get_by_text("This link fixes 1 control").is_visible()
        page.get_by_role("button", name="Link to this view").click()
        copied = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').first.inner_text().strip()
        assert copied == f"{app_url}?w=-2.5&b=1&hide=x"
        assert page.url == f"{app_url}/?w=-2.5&b=1&hide=x"
    finally:
        page.close()


def test_presenter_keys_step_and_reset_but_not_while_typing(app_url, browser):  # noqa: F811
    page = _open(browser, f"{app_url}/forward?presenter=1&quiz=0")
    try:
        _assert_clean(page)
        page.evaluate("document.activeElement?.blur()")  # the page has the focus, not a control
        page.keyboard.press("Space")
        page.wait_for_function("() => location.search.includes('step=1')", timeout=30_000)
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => location.search.includes('step=2')", timeout=30_000)
        field = page.locator(".st-key-fwd_x input")
        field.click()
        field.press("End")
        field.press("Backspace")  # typing: the key edits the box and leaves Reset alone
        page.wait_for_timeout(800)
        assert "step=2" in page.url and field.input_value() == "1.0, -0."
        field.press("Control+z")
        page.evaluate("document.activeElement?.blur()")
        page.keyboard.press("Backspace")
        page.wait_for_function("() => !location.search.includes('step=')", timeout=30_000)
    finally:
        page.close()


def _settled(browser, url: str):  # noqa: F811
    """A page at ``url`` once its script has run (it may show no chart: a lesson can open on a question)."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(1500)
    return page


def _named(path: str, query: str) -> dict[str, list[str]]:
    """The parameters of ``query`` that differ from their field's default (the ones a page's URL keeps)."""
    fields = dict(state.APP) | dict(state.PAGES[path])
    return {
        name: texts
        for name, texts in parse_qs(query, keep_blank_values=True).items()
        if not fields[name].is_default(fields[name].decode(texts))
    }


@pytest.mark.parametrize("path", [spec.path for spec in all_pages()], ids=lambda path: Path(path).stem)
def test_a_lesson_link_round_trips_through_the_browser_on_every_page(path, app_url, browser):  # noqa: F811
    """URL → state → URL in Chromium, in presenter mode: the page keeps every parameter of its first lesson's link
    (a parameter it could not use would be dropped, with a notice) and cuts no text off, and the URL it writes
    back opens the same view again."""
    link = state.link(path, **{ui.PRESENTER_KEY: True} | lecture.TALKS[path].lessons[0].values)
    wanted = _named(path, urlsplit(link).query)
    page = _settled(browser, f"{app_url}{link}")
    try:
        _assert_clean(page)
        toasts = page.locator('[data-testid="stToast"]')
        assert toasts.count() == 0, toasts.all_inner_texts()
        assert text_cut_off(page) == []
        written = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
        assert {name: written.get(name) for name in wanted} == wanted
        again = _settled(browser, page.url)
        try:
            assert parse_qs(urlsplit(again.url).query, keep_blank_values=True) == written
        finally:
            again.close()
    finally:
        page.close()
