"""ui.feed: a live area's figures drawn once per state of its run and served to the canvases that fetch them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import plotly.graph_objects as go
import pytest
from starlette.requests import Request

from nnviz.figures.canvas import scene
from nnviz.figures.style import PRESENTER_SCALE
from tests.servers import running_app
from ui import feed


class Area:
    """A run's state (``version``; None once it stopped) and the figures drawn from it, counted."""

    def __init__(self) -> None:
        self.version: int | None = 1
        self.drawn = 0

    def figures(self) -> dict[str, go.Figure]:
        self.drawn += 1
        line = go.Figure(go.Scatter(x=[0, 1, 2], y=[0, self.version or 0, 1]), layout={"title": "loss"})
        return {"loss": line, "map": go.Figure(go.Heatmap(z=[[0, 1], [2, self.version or 0]]))}

    def feed(self, scale: float = 1.0) -> feed.Feed:
        return feed.Feed(version=lambda: self.version, figures=self.figures, every=lambda: 0.0, scale=scale)


def request(token: str, query: str = "") -> Request:
    """A GET of the feed's route as starlette hands it to :func:`ui.feed.serve`."""
    scope = {"type": "http", "method": "GET", "path_params": {"token": token}, "query_string": query.encode()}
    return Request(scope)


def test_the_figures_are_drawn_once_per_state_of_the_run_for_every_part():
    area = Area()
    fed = area.feed()
    serial, loss = fed.scene("loss")
    assert serial == 1 and area.drawn == 1
    assert fed.scene("map")[0] == 1 and area.drawn == 1  # the other part of the same state: drawn with it
    assert fed.scene("loss", since=1) == (1, None)  # nothing moved since the canvas's last fetch
    area.version = 2
    serial, newer = fed.scene("loss", since=1)
    assert serial == 2 and area.drawn == 2 and newer != loss
    area.version = None
    assert fed.scene("loss") is None  # the run stopped: the feed is over


def test_a_scene_is_the_canvas_scene_of_its_figure_at_the_feeds_scale():
    area = Area()
    _, body = area.feed(scale=PRESENTER_SCALE).scene("loss")
    assert json.loads(body) == json.loads(json.dumps(scene(area.figures()["loss"], scale=PRESENTER_SCALE)))


def test_a_canvas_asking_faster_than_the_feeds_period_gets_the_last_drawing(monkeypatch):
    area, clock = Area(), [1000.0]
    monkeypatch.setattr(feed.time, "monotonic", lambda: clock[0])
    fed = feed.Feed(version=lambda: area.version, figures=area.figures, every=lambda: 60.0)
    assert fed.scene("loss")[0] == 1
    area.version, clock[0] = 2, 1029.0
    assert fed.scene("loss", since=1) == (1, None) and area.drawn == 1  # within half a period: not drawn again
    clock[0] = 1031.0
    assert fed.scene("loss", since=1)[0] == 2 and area.drawn == 2


def test_an_unknown_part_is_refused():
    with pytest.raises(KeyError):
        Area().feed().scene("accuracy")


def test_the_route_answers_a_scene_then_no_change_then_that_the_feed_is_over():
    area, token = Area(), feed.new_token()
    feed.publish(token, area.feed())
    first = feed.serve(request(token, "part=loss"))
    assert first.status_code == 200 and first.headers[feed.HEADER] == "1" and first.headers["X-Nnviz-Every"] == "0"
    assert json.loads(first.body)["items"]
    assert feed.serve(request(token, "part=loss&since=1")).status_code == 204
    assert feed.serve(request(token, "part=nothing")).status_code == 400
    area.version = None
    over = feed.serve(request(token, "part=loss"))
    assert over.status_code == 410 and over.headers[feed.HEADER] == "over"
    assert feed.serve(request(token, "part=loss")).status_code == 410  # withdrawn with it
    assert feed.serve(request(feed.new_token(), "part=loss")).status_code == 410  # a token nobody published


@pytest.mark.parametrize("since", ["", "x", "-1", "1e39", "²", "9" * 20_000])
def test_a_malformed_since_reads_as_none_and_gets_the_whole_scene(since):
    token = feed.new_token()
    feed.publish(token, Area().feed())
    answer = feed.serve(request(token, f"part=loss&since={since}"))
    assert answer.status_code == 200 and json.loads(answer.body)["items"]


def test_publishing_drops_the_feeds_nobody_fetched_for_a_minute():
    old, kept, tokens = Area().feed(), Area().feed(), (feed.new_token(), feed.new_token())
    feed.publish(tokens[0], old)
    before = feed.feeds()
    old.fetched -= feed.TTL_S + 1  # its tab closed a minute ago
    feed.publish(tokens[1], kept)
    assert feed.feeds() == before  # the old one dropped, the new one added
    assert feed.serve(request(tokens[0], "part=loss")).status_code == 410
    assert feed.serve(request(tokens[1], "part=loss")).status_code == 200


def test_tokens_are_unguessable_and_distinct():
    tokens = {feed.new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(token) >= 22 for token in tokens)


@pytest.mark.parametrize("script", ["serve.py", "app.py"])
def test_serve_py_has_the_route_and_app_py_has_not(script):
    """``streamlit run serve.py`` answers a feed's URL as a feed (410 for a token nobody published, with the mark
    the canvas looks for); ``streamlit run app.py`` serves the app without it (its live areas rerun)."""
    with running_app(script=script) as (_, url):
        for base in ("", "/under/a/base/path"):  # a canvas asks relative to its page's URL
            try:
                with urllib.request.urlopen(f"{url}{base}{feed.PATH.format(token='nobody')}?part=x") as answer:
                    status, mark = answer.status, answer.headers.get(feed.HEADER)
            except urllib.error.HTTPError as error:
                status, mark = error.code, error.headers.get(feed.HEADER)
            if script == "serve.py":
                assert (status, mark) == (410, "over")
            else:
                assert mark is None  # whatever it answers, it is not a feed
        with urllib.request.urlopen(f"{url}/playground", timeout=10) as page:
            assert page.status == 200  # and the app itself is there
