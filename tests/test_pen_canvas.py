"""The drawing canvas's Python half: what it makes of what the browser sends (which the visitor
can change at will) and how strokes move to a canvas of another size. Drawing itself is covered
by the browser tests."""

import base64

import numpy as np
import pytest

from pen_canvas import fitted_strokes, picture_bytes, well_formed

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_the_png_inside_a_data_url_is_the_picture():
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert picture_bytes(url) == PNG


@pytest.mark.parametrize("sent", [None, "", 42, ["data:image/png;base64,AAAA"], "data:image/jpeg;base64,AAAA",
                                  "data:image/png;base64,not base64!", "https://example.com/a.png"])
def test_anything_else_sent_is_no_picture(sent):
    assert picture_bytes(sent) is None


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
