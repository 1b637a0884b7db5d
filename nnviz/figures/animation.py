"""Play / Pause buttons for plotly animation frames, which play in the browser without a server rerun."""

from __future__ import annotations


def play_pause(
    frame_ms: int,
    *,
    redraw: bool = False,
    restart: bool = False,
    x: float = 0.0,
    y: float = 0.0,
    yanchor: str = "bottom",
) -> dict:
    """A ``layout.updatemenus`` entry with Play and Pause buttons.

    Args:
        frame_ms: how long each frame shows, in milliseconds.
        redraw: redraw the whole plot at each frame (needed when frames change more than trace data).
        restart: Play starts from the first frame every time, instead of from the frame shown.
        x, y, yanchor: where the buttons sit, in paper coordinates (anchored on their left edge).
    """
    play = dict(
        frame=dict(duration=frame_ms, redraw=redraw),
        transition=dict(duration=0),
        fromcurrent=not restart,
        mode="immediate",
    )
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    return dict(
        type="buttons",
        direction="left",
        x=x,
        y=y,
        xanchor="left",
        yanchor=yanchor,
        pad=dict(t=0, r=4),
        buttons=[
            dict(label="▶ Play", method="animate", args=[None, play]),
            dict(label="❚❚ Pause", method="animate", args=[[None], pause]),
        ],
    )
