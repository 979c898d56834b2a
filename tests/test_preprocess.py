"""Preprocessing invariants: whatever the size and position of a digit on the canvas, the model
receives (nearly) the MNIST image itself."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer import Status
from recognizer.preprocess import (
    BOX,
    CANVAS,
    centre_by_mass,
    median_of,
    mnist_like_input,
    mnist_like_inputs,
    preprocess,
    stroke_width_px,
)
from recognizer.training.synthetic import draw_on_paper

SAMPLES = 500  # 200 left the 98% checks at the mercy of 1-2 unsure digits


@pytest.fixture(scope="module")
def redrawn(mnist, recognizer):
    """(original test digits, their model inputs after the round trip, labels, predictions)."""
    rng = np.random.default_rng(7)
    chosen = rng.choice(len(mnist.x_test), SAMPLES, replace=False)
    drawings = [draw_on_paper(mnist.x_test[i], rng) for i in chosen]
    results = recognizer.recognize_many(drawings)
    return mnist.x_test[chosen], results, mnist.y_test[chosen]


def test_redrawn_mnist_digits_come_back_close_to_the_original(redrawn):
    originals, results, _ = redrawn
    similarity = [np.corrcoef(original.ravel() / 255, result.model_input.ravel())[0, 1]
                  for original, result in zip(originals, results, strict=True)]
    assert np.median(similarity) > 0.85
    assert np.percentile(similarity, 10) > 0.7


def test_redrawn_mnist_digits_are_classified_as_the_originals(redrawn, recognizer):
    originals, results, labels = redrawn
    direct = recognizer.model.probabilities(originals[..., None].astype(np.float32) / 255).argmax(1)
    redrawn_digits = np.array([r.digit for r in results])
    assert np.mean(redrawn_digits == direct) >= 0.98
    assert np.mean(redrawn_digits == labels) >= 0.98


def test_model_input_is_normalized_like_mnist(redrawn):
    _, results, _ = redrawn
    for result in results[:50]:
        image = result.model_input
        assert image.shape == (CANVAS, CANVAS) and image.dtype == np.float32
        assert image.min() >= 0 and image.max() <= 1
        rows, cols = np.nonzero(image > 0.05)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 <= BOX + 2  # fitted into 20x20 (plus stroke growth)
        moments = cv2.moments(image)
        assert abs(moments["m10"] / moments["m00"] - 14) <= 1 and abs(moments["m01"] / moments["m00"] - 14) <= 1


def test_many_pictures_at_once_match_one_at_a_time_in_order(mnist):
    rng = np.random.default_rng(3)
    pictures = [draw_on_paper(digit, rng) for digit in mnist.x_test[:300]]
    pictures.insert(5, np.full((280, 280), 255, np.uint8))  # a blank one is reported, not kept
    inputs, kept = mnist_like_inputs(iter(pictures))
    singles = [mnist_like_input(picture) for picture in pictures]
    assert kept.tolist() == [single is not None for single in singles] and not kept[5]
    np.testing.assert_array_equal(inputs, np.stack([single for single in singles if single is not None]))


@pytest.mark.parametrize("canvas", [np.zeros((280, 280, 4), np.uint8), np.full((280, 280, 3), 255, np.uint8),
                                    np.full((280, 280), 128, np.uint8)])
def test_blank_pictures_are_empty(recognizer, canvas):
    result = recognizer.recognize(canvas)
    assert result.status == Status.EMPTY and result.digit is None
    assert "blank" in result.message


def test_a_speck_is_not_a_digit(recognizer):
    canvas = np.zeros((280, 280, 4), np.uint8)
    cv2.circle(canvas, (140, 140), 2, (0, 0, 0, 255), -1)
    assert recognizer.recognize(canvas).status == Status.EMPTY


def canvas_with_alpha_strokes(draw) -> np.ndarray:
    """An RGBA canvas with a transparent background: the strokes live only in alpha."""
    alpha = np.zeros((280, 280), np.uint8)
    draw(alpha)
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = alpha
    return canvas


def test_thin_one_stays_thin(recognizer):
    one = canvas_with_alpha_strokes(lambda a: cv2.line(a, (140, 40), (140, 240), 255, 16, cv2.LINE_AA))
    result = recognizer.recognize(one)
    assert result.digit == 1
    columns = np.nonzero(result.model_input.max(axis=0) > 0.3)[0]
    assert np.ptp(columns) + 1 <= 6  # not stretched to a 20-pixel-wide block


def test_ink_polarity_does_not_matter(recognizer):
    seven = np.full((300, 300), 255, np.uint8)
    cv2.line(seven, (80, 60), (220, 60), 0, 14)
    cv2.line(seven, (220, 60), (120, 250), 0, 14)
    dark_on_light, light_on_dark = recognizer.recognize(seven), recognizer.recognize(255 - seven)
    assert dark_on_light.digit == light_on_dark.digit == 7
    np.testing.assert_allclose(dark_on_light.model_input, light_on_dark.model_input, atol=0.05)


def test_stroke_width_is_normalized_between_hairline_and_marker(recognizer):
    inputs = []
    for width in (3, 40):
        canvas = canvas_with_alpha_strokes(lambda a, w=width: cv2.ellipse(a, (140, 140), (70, 110), 0, 0, 360, 255, w))
        result = recognizer.recognize(canvas)
        assert result.digit == 0
        inputs.append((result.model_input >= 0.5).astype(np.uint8))
    widths = [stroke_width_px(binary) for binary in inputs]
    assert all(1.5 <= w <= 4 for w in widths), widths


def test_strokes_of_a_digit_stay_together():
    """A 5 written in two strokes (body and bar) keeps its bar; a distant speck is dropped."""
    five = canvas_with_alpha_strokes(lambda a: (
        cv2.line(a, (100, 60), (100, 140), 255, 14),
        cv2.ellipse(a, (140, 180), (50, 45), 0, -120, 150, 255, 14),
        cv2.line(a, (112, 60), (190, 60), 255, 14),
        cv2.circle(a, (265, 265), 4, 255, -1),
    ))
    result = preprocess(five)
    kept = result.stages[2].image >= 0.9
    assert kept[60, 150] and kept[60, 100] and not kept[265, 265]


def test_centre_of_mass_lands_on_the_centre():
    box = np.zeros((BOX, BOX), np.float32)
    box[:5, :5] = 1
    image = centre_by_mass(box)
    moments = cv2.moments(image)
    assert round(moments["m10"] / moments["m00"]) == 14 and round(moments["m01"] / moments["m00"]) == 14


def grainy_marker_four(rng: np.random.Generator) -> np.ndarray:
    """A 4 in a dry felt marker on grey paper: strokes ~1/20 of the digit wide, and inside them
    many pixels only faintly inked (the paper's grain shows through)."""
    strokes = np.zeros((800, 800), np.uint8)
    for start, end in (((480, 100), (160, 500)), ((160, 500), (620, 500)), ((480, 100), (480, 720))):
        cv2.line(strokes, start, end, 255, 34, cv2.LINE_AA)
    grain = rng.uniform(0.15, 1.0, strokes.shape) ** 2  # most of the stroke's pixels faint
    return (200 - strokes / 255 * grain * 170).astype(np.uint8)


def test_a_grainy_marker_is_not_called_thin():
    preprocessed = preprocess(grainy_marker_four(np.random.default_rng(0)))
    assert preprocessed.measurements.stroke_width > 0.035, "advice would say the strokes are very thin"


def test_a_ballpoint_line_is_called_thin():
    picture = np.full((800, 800), 230, np.uint8)
    cv2.line(picture, (400, 100), (400, 700), 40, 5, cv2.LINE_AA)
    assert preprocess(picture).measurements.stroke_width < 0.035


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.uint8])
@pytest.mark.parametrize("size", [1, 2, 7, 140, 19600])
def test_median_of_is_numpys_median_to_the_bit(dtype, size):
    """The fast median must change no threshold: the shipped model was trained with np.median."""
    rng = np.random.default_rng(size)
    values = (rng.normal(0, 50, size) * (rng.random(size) < 0.3)).astype(dtype) if dtype in (np.int16, np.uint8) \
        else (rng.random(size) ** 3).astype(dtype)
    assert median_of(values) == float(np.median(values))
    assert median_of(values.reshape(-1, 1)[::1]) == float(np.median(values))
