"""A live feed: the figures of a live area, fetched by its canvases from the server while a run trains, without a
Streamlit rerun.

Every fragment rerun re-renders the whole page in the browser (Streamlit's React tree: about 9 ms on an empty page,
30 ms on the playground, whatever the fragment holds) and runs Streamlit's script machinery on the server; the
playground's maps, redrawn 10 times a second, were most of both, and a browser on the server's two cores took the
trainer's CPU with them (``benchmarks/app_training.py``). A canvas showing a feed asks the server for its figure's
latest scene every :func:`~ui.training.period` (``GET /_nnviz/feed/<token>?part=<name>&since=<drawn>``); the server
draws the area's figures once per new state of the run (its version) and answers 204 when nothing moved.

The route exists when the app is served by ``serve.py`` (``streamlit run serve.py``: :class:`streamlit.App` with
:func:`routes`). Under ``streamlit run app.py`` or AppTest there is none: :func:`served` is False and the areas redraw
by rerunning, as they did before; so do they in a session whose canvas reported that its feed failed (a proxy that
does not pass the route on), from its next rerun.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import plotly.graph_objects as go
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nnviz.figures.canvas import scene

PATH = "/_nnviz/feed/{token}"
HEADER = "X-Nnviz-Feed"
"""Every answer of the route carries it: a canvas tells a feed's answer from a server without the route (which
answers any path with its index page)."""
TTL_S = 60.0
"""A feed nobody fetched for this long (its tab closed) is dropped when the next one is published."""

_SERIAL = re.compile(r"[0-9]{1,18}")
"""A ``since`` the route reads (anything else, "²" or 20,000 digits, reads as none: the whole scene is sent)."""
_served = False


@dataclass
class Feed:
    """The figures of one live area, drawn from the latest state of a run.

    ``version()`` names that state (any hashable; None once the run stopped: the feed is over), ``figures()``
    draws every part of the area for it (part name -> plotly figure or figure dict), ``every()`` is how often
    (seconds) a canvas should fetch, and ``scale`` enlarges the scenes as presenter mode does. Both callables run in
    the server's request threads, not in a script run: they must not touch ``st``.
    """

    version: Callable[[], Hashable | None]
    figures: Callable[[], dict[str, go.Figure | dict]]
    every: Callable[[], float]
    scale: float = 1.0
    fetched: float = field(default_factory=time.monotonic)
    _drawn: tuple[Hashable, int, dict[str, bytes]] | None = None
    _drawn_at: float = 0.0
    _serial: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def scene(self, part: str, since: int | None = None) -> tuple[int, bytes | None] | None:
        """``(serial, scene JSON)`` of ``part`` for the run's current state, ``(serial, None)`` when the state is
        the one drawn as ``since``, None when the feed is over. The serial numbers the states drawn (1, 2, ...); a
        state is drawn at most every half ``every()``, however often a canvas asks (the last one is served)."""
        with self._lock:
            self.fetched = now = time.monotonic()
            version = self.version()
            if version is None:
                return None
            fresh = self._drawn is not None and now - self._drawn_at < self.every() / 2
            if self._drawn is None or (self._drawn[0] != version and not fresh):  # fetched faster: the last one
                self._serial += 1
                self._drawn_at = now
                scenes = {
                    name: json.dumps(scene(fig, scale=self.scale), separators=(",", ":")).encode()
                    for name, fig in self.figures().items()
                }
                self._drawn = (version, self._serial, scenes)
            _, serial, scenes = self._drawn
            if part not in scenes:
                raise KeyError(part)
            return serial, (None if serial == since else scenes[part])


_FEEDS: dict[str, Feed] = {}
_LOCK = threading.Lock()


def new_token() -> str:
    """An unguessable name for a session's feed (it is the only key to it)."""
    return secrets.token_urlsafe(16)


def publish(token: str, feed: Feed) -> str:
    """Serve ``feed`` at ``token`` (replacing what was there) and return its URL path relative to the app's base
    (``_nnviz/feed/<token>``); drop the feeds nobody fetched for :data:`TTL_S`."""
    now = time.monotonic()
    with _LOCK:
        for stale in [name for name, old in _FEEDS.items() if now - old.fetched > TTL_S]:
            del _FEEDS[stale]
        _FEEDS[token] = feed
    return PATH.format(token=token).lstrip("/")


def withdraw(token: str) -> None:
    """Stop serving the feed at ``token`` (its area is drawn otherwise now)."""
    with _LOCK:
        _FEEDS.pop(token, None)


def feeds() -> int:
    """How many feeds are published."""
    with _LOCK:
        return len(_FEEDS)


def serve(request: Request) -> Response:
    """``GET /_nnviz/feed/<token>?part=<name>&since=<serial>``: 200 with the part's scene as JSON (its serial in the
    ``X-Nnviz-Feed`` header, the next fetch's delay in ms in ``X-Nnviz-Every``), 204 when the run has not moved
    since ``since``, 410 when the feed is over or unknown, 400 for a malformed request."""
    with _LOCK:
        feed = _FEEDS.get(request.path_params["token"])
    part, since = request.query_params.get("part", ""), request.query_params.get("since", "")
    if feed is None:
        return Response(status_code=410, headers={HEADER: "over"})
    try:
        answer = feed.scene(part, int(since) if _SERIAL.fullmatch(since) else None)
    except KeyError:
        return Response(status_code=400, headers={HEADER: "no such part"})
    if answer is None:
        withdraw(request.path_params["token"])
        return Response(status_code=410, headers={HEADER: "over"})
    serial, body = answer
    headers = {HEADER: str(serial), "X-Nnviz-Every": str(round(1000 * feed.every())), "Cache-Control": "no-store"}
    if body is None:
        return Response(status_code=204, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def routes() -> list[Route]:
    """The feed's route, for :class:`streamlit.App` (``serve.py``); from then on :func:`served` is True. A canvas
    asks relative to its page (``<base>/_nnviz/feed/...``), and st.App does not put its routes under the server's
    ``baseUrlPath``: the route answers under any prefix (the token is the only key)."""
    global _served
    _served = True
    return [Route(PATH, serve, methods=["GET"]), Route("/{prefix:path}" + PATH, serve, methods=["GET"])]


def served() -> bool:
    """Whether this server has the feed's route (it was built by ``serve.py``)."""
    return _served
