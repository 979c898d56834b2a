"""The drawing canvas: a small Streamlit component of our own that sends the drawing the moment
the pen is lifted.

The third-party canvas we used waited a fixed 200 ms after each stroke before sending it (two
thirds of our whole pen-to-answer budget) and loaded a large drawing library on every visit. This
one is a few dozen lines of JavaScript served with the page: strokes are drawn in the browser,
Undo and Clear act there (instantly), and each change sends the picture exactly as shown (its
alpha channel, deflated: black ink on a transparent canvas is all there) with the strokes that
make it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from recognizer.decode import canvas_ink
from recognizer.errors import InputError

HERE = Path(__file__).resolve().parent

_mount = st.components.v2.component(
    "digit_lens.pen_canvas",
    html=(HERE / "pen_canvas.html").read_text(),
    css=(HERE / "pen_canvas.css").read_text(),
    js=(HERE / "pen_canvas.js").read_text(),
)

Stroke = dict[str, Any]  # {"width": brush width, "points": [[x, y], ...]} in canvas pixels


@dataclass(frozen=True)
class Drawing:
    """What the canvas holds: its picture (RGBA, ink in alpha; None when empty) and the strokes."""

    picture: np.ndarray | None
    strokes: list[Stroke]


def pen_canvas(width: int, height: int, brush: int, *, key: str) -> Drawing | None:
    """The canvas, `width` x `height` pixels drawn on (shown smaller on a narrower screen).

    Returns the drawing, or None while the canvas has yet to send the strokes `restart_drawing`
    gave it: an answer for the strokes it held before would be an answer to the wrong picture.
    """
    restart = st.session_state.get(restart_key(key), {"strokes": [], "revision": 0})
    # Given as JSON bytes: a dict would make Streamlit look for data frames in it, importing pandas
    # (~70 MB in every server process) for a canvas that never holds one.
    settings = json.dumps({"width": width, "height": height, "brush": brush, **restart}).encode()
    result = _mount(key=key, data=settings, default={"drawing": None}, on_drawing_change=ignore_change,
                    height="content")
    sent = result.drawing if isinstance(result.drawing, dict) else {}
    if sent.get("revision", 0) != restart["revision"]:  # not yet redrawn: only an empty restart is known
        return None if restart["strokes"] else Drawing(None, [])
    return Drawing(picture(sent, width, height), well_formed(sent.get("strokes")))


def restart_drawing(key: str, strokes: list[Stroke]) -> None:
    """Make the canvas start over with `strokes` (on its next run): the revision makes even the
    same strokes a change it applies."""
    previous = st.session_state.get(restart_key(key), {"revision": 0})
    st.session_state[restart_key(key)] = {"strokes": strokes, "revision": previous["revision"] + 1}


def fitted_strokes(strokes: list[Stroke], width: int, height: int) -> list[Stroke]:
    """`strokes` scaled down (widths too) so that their ink fits in `width` x `height` pixels, for
    a canvas smaller than the one they were drawn on; strokes that fit are returned as they are."""
    def reach(axis: int) -> float:  # how far the ink goes from the top-left corner along this axis
        return max((point[axis] + stroke["width"] / 2 for stroke in strokes for point in stroke["points"]), default=0)

    scale = min(1, width / max(reach(0), 1), height / max(reach(1), 1))
    if scale == 1:
        return strokes
    return [{"width": stroke["width"] * scale, "points": [[x * scale, y * scale] for x, y in stroke["points"]]}
            for stroke in strokes]


def picture(sent: dict, width: int, height: int) -> np.ndarray | None:
    """The picture the canvas sent, if it is one of the size asked for; None for an empty canvas
    or anything else (the browser's messages are the visitor's to change)."""
    if not isinstance(sent.get("ink"), str) or (sent.get("width"), sent.get("height")) != (width, height):
        return None
    try:
        return canvas_ink(base64.b64decode(sent["ink"], validate=True), width, height)
    except (binascii.Error, InputError):
        return None


def well_formed(strokes: object) -> list[Stroke]:
    """The strokes that have a width and points of two numbers each, in the canvas's own form."""
    def number(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if not isinstance(strokes, list):
        return []
    return [{"width": stroke["width"], "points": [list(point) for point in stroke["points"]]}
            for stroke in strokes
            if isinstance(stroke, dict) and number(stroke.get("width")) and isinstance(stroke.get("points"), list)
            and stroke["points"] and all(isinstance(point, list) and len(point) == 2 and all(map(number, point))
                                         for point in stroke["points"])]


def restart_key(key: str) -> str:
    return f"{key}-restart"


def ignore_change() -> None:
    """Streamlit keeps a component's state only for names with a change callback; the rerun that
    follows a change is all the canvas needs."""
