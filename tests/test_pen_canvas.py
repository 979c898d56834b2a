"""The drawing canvas's Python half: what it makes of what the browser sends (which the visitor
can change at will) and how strokes move to a canvas of another size. Drawing itself is covered
by the browser tests."""

import base64
import zlib

import numpy as np
import pytest

from pen_canvas import fitted_strokes, picture, well_formed


def sent_drawing(alpha: np.ndarray, **changes) -> dict:
    """What the canvas's JavaScript sends for a picture with this alpha channel."""
    ink = base64.b64encode(zlib.compress(alpha.tobytes())).decode()
    return {"ink": ink, "width": alpha.shape[1], "height": alpha.shape[0], **changes}


def test_the_picture_sent_is_the_canvas_pixels_ink_in_alpha():
    alpha = np.zeros((240, 700), np.uint8)
    alpha[50:150, 300:320] = 255
    alpha[150, 300:320] = 128  # an antialiased edge keeps its exact value
    drawn = picture(sent_drawing(alpha), 700, 240)
    assert drawn.shape == (240, 700, 4) and drawn.dtype == np.uint8
    assert np.array_equal(drawn[..., 3], alpha) and not drawn[..., :3].any()


@pytest.mark.parametrize("sent", [
    {},
    {"ink": None, "width": 280, "height": 280},
    {"ink": 42, "width": 280, "height": 280},
    {"ink": "not base64!", "width": 280, "height": 280},
    {"ink": base64.b64encode(b"not deflated").decode(), "width": 280, "height": 280},
    sent_drawing(np.zeros((240, 700), np.uint8)),  # the other canvas's size: not yet redrawn
    sent_drawing(np.zeros((280, 280), np.uint8), width="280"),
])
def test_anything_else_sent_is_no_picture(sent):
    assert picture(sent, 280, 280) is None


def test_well_formed_strokes_are_kept_and_the_rest_dropped():
    good = {"width": 18, "points": [[1, 2], [3.5, 4]]}
    sent = [good, {"width": "18", "points": [[1, 2]]}, {"width": 18, "points": []}, {"width": 18},
            {"width": 18, "points": [[1, 2, 3]]}, {"width": True, "points": [[1, 2]]}, "stroke", None,
            {"width": 12, "points": [[5, None]]}]
    assert well_formed(sent) == [good]
    assert well_formed({"strokes": sent}) == []
    assert well_formed(None) == []


def ink_reach(strokes: list[dict]) -> tuple[float, float]:
    return (max(x + stroke["width"] / 2 for stroke in strokes for x, _ in stroke["points"]),
            max(y + stroke["width"] / 2 for stroke in strokes for _, y in stroke["points"]))


def test_strokes_that_fit_stay_where_they_were_drawn():
    strokes = [{"width": 20, "points": [[10, 10], [200, 220]]}]
    assert fitted_strokes(strokes, 700, 240) == strokes
    assert fitted_strokes([], 280, 280) == []


@pytest.mark.parametrize(("strokes", "size", "scale"), [
    # a digit drawn on the square canvas, too tall for the number canvas: 270 + half the brush
    ([{"width": 20, "points": [[140, 30], [140, 270]]}, {"width": 10, "points": [[100, 60]]}], (700, 240), 240 / 280),
    # a number written across the wide canvas, too wide for the square one
    ([{"width": 18, "points": [[20, 40], [551, 200]]}], (280, 280), 280 / 560),
])
def test_strokes_too_large_are_scaled_to_fit_widths_included(strokes, size, scale):
    fitted = fitted_strokes(strokes, *size)
    for before, after in zip(strokes, fitted, strict=True):
        assert after["width"] == pytest.approx(before["width"] * scale)
        assert np.allclose(after["points"], np.array(before["points"]) * scale)
    assert max(reach / side for reach, side in zip(ink_reach(fitted), size, strict=True)) == pytest.approx(1)
