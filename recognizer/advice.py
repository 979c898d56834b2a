"""Plain advice when an input is far from what MNIST digits look like."""

from __future__ import annotations

from recognizer.preprocess import Measurements

TINY_DIGIT = 0.12  # digit shorter than this share of the picture: few pixels to work with
THIN_STROKE = 0.035  # stroke width / digit size; MNIST's is about 0.125
THICK_STROKE = 0.30
LOW_CONTRAST = 0.25


def advise(measurements: Measurements | None) -> tuple[str, ...]:
    """Zero or more sentences, each saying what to change; the thresholds are deliberately loose."""
    if measurements is None:
        return ()
    tips = []
    if measurements.touches_edge:
        tips.append("The digit touches the edge of the picture: leave some paper around it.")
    if measurements.digit_size < TINY_DIGIT:
        tips.append("The digit is tiny in the picture: draw it larger or crop closer to it.")
    if measurements.stroke_width < THIN_STROKE:
        tips.append("The strokes are very thin: a thicker pen or brush reads more reliably.")
    elif measurements.stroke_width > THICK_STROKE:
        tips.append("The strokes are very thick: a thinner pen or brush keeps holes like in 8 open.")
    if measurements.contrast < LOW_CONTRAST:
        tips.append("The ink is faint against the paper: use a darker pen or more light.")
    if measurements.separate_marks and not measurements.digit_sized_marks:
        tips.append("There are other marks beside the digit: show one digit on a clean background.")
    return tuple(tips)
