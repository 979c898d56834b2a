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
    INK_BLUR,
    MARKS_MEASURED_ONE_BY_ONE,
    POLARITY_SIDE,
    Marks,
    PaperWindows,
    blurred,
    centre_by_mass,
    close_paper,
    crop_to_digit,
    crop_to_ink,
    extract_ink,
    inked_part,
    is_light_on_dark,
    labelled_marks,
    median_blur,
    median_of,
    members_mask,
    mnist_like_input,
    mnist_like_inputs,
    percentile_of,
    preprocess,
    stroke_width_px,
    surely_within,
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


def with_runs(rng: np.random.Generator, size: int, dtype: type, share: float, smallest: bool) -> np.ndarray:
    """`size` values of which a `share` is one value below (or above) all others: paper or full ink."""
    integer = np.issubdtype(dtype, np.integer)
    values = (rng.random(size) ** 3 * (100 if integer else 1)).astype(dtype)
    values[rng.random(size) < share] = (-1 if integer else 0) if smallest else (101 if integer else 1)
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
@pytest.mark.parametrize("size", [2, 3, 1023, 1024, 1025, 19600])
def test_median_and_percentile_of_runs_of_equal_values_are_numpys_to_the_bit(dtype, size):
    """A run of the smallest or largest value takes a shortcut past the partition: it must
    change no threshold either."""
    rng = np.random.default_rng(size)
    for share in (0.0, 0.3, 0.5, 0.9, 0.999, 1.0):
        for smallest in (True, False):
            values = with_runs(rng, size, dtype, share, smallest)
            assert median_of(values) == float(np.median(values))
            if not np.issubdtype(dtype, np.integer):
                for percent in (0, 10, 50, 90, 99.9, 100):
                    assert percentile_of(values, percent) == float(np.percentile(values, percent))


def test_members_mask_is_the_pixels_of_the_chosen_marks():
    rng = np.random.default_rng(3)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((rng.random((120, 160)) < 0.1).astype(np.uint8),
                                                               connectivity=8, ltype=cv2.CV_16U)
    marks = Marks(labels, stats[:, :4], stats[:, cv2.CC_STAT_AREA], np.zeros(count, bool), np.zeros(count, bool))
    for members in ({1}, {count - 1}, {2, 5}, set(range(1, count, 3))):
        chosen = stats[list(members)]
        left, top = chosen[:, 0].min(), chosen[:, 1].min()
        box = (left, top, (chosen[:, 0] + chosen[:, 2]).max() - left, (chosen[:, 1] + chosen[:, 3]).max() - top)
        assert np.array_equal(members_mask(marks, members, box), np.isin(labels, list(members)))


def test_crop_to_digit_is_np_where_and_np_percentile_to_the_bit():
    rng = np.random.default_rng(4)
    for saturated in (0.0, 0.5):  # a drawing's strokes are mostly full ink
        ink = np.minimum(rng.random((90, 70)) * (1 + saturated), 1).astype(np.float32)
        mask = np.zeros(ink.shape, bool)
        mask[20:70, 10:60] = rng.random((50, 50)) < 0.6
        crop, strength = crop_to_digit(ink, mask, (10, 20, 50, 50))
        inside = mask[20:70, 10:60]
        kept = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        expected = np.where(kept, ink[20:70, 10:60], 0)
        expected_strength = float(np.percentile(expected[inside], 90))
        assert strength == expected_strength
        assert crop.dtype == np.float32
        assert np.array_equal(crop, np.clip(expected / max(expected_strength, 1e-3), 0, 1).astype(np.float32))


def test_boxes_around_ink_are_those_of_np_nonzero():
    """crop_to_ink and centre_by_mass find the ink with cv2.boundingRect instead of np.nonzero."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        image = (rng.random((BOX, BOX)) * (rng.random((BOX, BOX)) < rng.uniform(0, 0.1))).astype(np.float32)
        rows, cols = np.nonzero(image > 0.05)
        expected = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] if len(rows) else image
        assert np.array_equal(crop_to_ink(image), expected)
        if not image.any():
            continue
        canvas = np.zeros((CANVAS, CANVAS), np.float32)
        canvas[4:24, 4:24] = image
        moments = cv2.moments(canvas)
        rows, cols = np.nonzero(canvas > 0)
        dx = int(np.clip(round(CANVAS / 2 - moments["m10"] / moments["m00"]), -cols.min(), CANVAS - 1 - cols.max()))
        dy = int(np.clip(round(CANVAS / 2 - moments["m01"] / moments["m00"]), -rows.min(), CANVAS - 1 - rows.max()))
        assert np.array_equal(centre_by_mass(image), np.clip(np.roll(canvas, (dy, dx), axis=(0, 1)), 0, 1))


def test_median_blur_is_opencvs_to_the_bit():
    """The polarity of a picture rests on this median: where it skips OpenCV's it must agree with it,
    on paper with ink, on ink with paper, at the edges and with windows wider than the picture."""
    rng = np.random.default_rng(6)
    for index in range(200):
        height, width = (int(side) for side in rng.integers(1, 90, 2))
        window = 2 * int(rng.integers(1, 60)) + 1
        picture = rng.integers(0, 256, (height, width)).astype(np.uint8)
        paper = rng.random((height, width)) > (0.1, 0.4, 0.6, 0.9)[index % 4]
        picture[paper] = 255 if index % 2 else 17
        assert np.array_equal(median_blur(picture, window), cv2.medianBlur(picture, window))
    drawing = np.full((280, 280), 255, np.uint8)
    cv2.line(drawing, (140, 0), (140, 279), 0, 60)  # a stroke wider than half the window, at the edge
    assert np.array_equal(median_blur(drawing, 71), cv2.medianBlur(drawing, 71))


@pytest.mark.parametrize("channels", [1, 3])
def test_close_paper_is_opencvs_closing_to_the_bit(channels):
    """The paper estimate divides every pixel of the ink: skipping the closing must change none."""
    rng = np.random.default_rng(channels)
    shape = (160, 120) if channels == 1 else (160, 120, 3)
    for radius in (3, 8, 16):
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
        thin, wide = np.ones(shape, np.float32), np.ones(shape, np.float32)
        thin[::9] = 0.2  # strokes narrower than the window: the closing is the paper's white
        wide[40:80] = 0.2  # a mark wider than the window stays
        for picture in (thin, wide, rng.random(shape).astype(np.float32), thin * np.float32(0.999)):
            expected = cv2.morphologyEx(picture, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
            closed = close_paper(picture, radius)
            assert closed.dtype == np.float32 and closed.shape == expected.shape
            assert np.array_equal(closed.view(np.uint32), expected.view(np.uint32))


def sparse_ink(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Float ink, 0 outside a few anti-aliased strokes and specks anywhere (edges included)."""
    drawing = np.zeros(shape, np.uint8)
    for _ in range(int(rng.integers(1, 5))):
        start, end = (tuple(int(v) for v in rng.integers(-10, max(shape) + 10, 2)) for _ in range(2))
        cv2.line(drawing, start, end, int(rng.integers(60, 256)), int(rng.integers(1, 12)), cv2.LINE_AA)
    drawing[rng.random(shape) < 0.0005] = 255
    return (drawing / np.float32(255)).astype(np.float32)


def test_blurring_and_labelling_the_inked_part_is_doing_the_whole_to_the_bit():
    """A transparent drawing is blurred and its marks labelled only where it has ink: the result
    must be the whole picture's, at every offset (odd ones too) and with ink at the edge."""
    rng = np.random.default_rng(8)
    counts = set()
    for index in range(300):
        shape = (280, 280) if index % 3 else tuple(int(side) for side in rng.integers(30, 200, 2))
        ink = sparse_ink(rng, shape)
        part = inked_part(ink)
        if part is None:
            assert not ink.any()
            continue
        expected = cv2.GaussianBlur(ink, (0, 0), INK_BLUR)
        assert np.array_equal(blurred(ink, part).view(np.uint32), expected.view(np.uint32))
        for threshold in (0.3, 0.05):  # strokes alone (few marks), or the specks too (many)
            binary = (expected >= threshold).view(np.uint8)
            count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_16U)
            found_labels, found_stats = labelled_marks(binary, part)
            assert np.array_equal(found_labels, labels)
            assert np.array_equal(found_stats[1:], stats[1:])
            assert tuple(found_stats[0]) == (0, 0, shape[1], shape[0], 0)  # the paper: never chosen
            counts.add(count > MARKS_MEASURED_ONE_BY_ONE)
    assert counts == {True, False}  # marks measured one by one, and by OpenCV
    assert inked_part(np.zeros((50, 50), np.float32)) is None


def test_pictures_only_shown_are_made_when_asked_for(monkeypatch):
    """The batch and the CLI never look at the composited picture, the kept marks or the drawn
    stroke width (for advice): they must not pay for them; the app, asking, gets them."""
    import recognizer.preprocess as preprocess_module

    made = []
    for name in ("display_copy", "mask_overview", "drawn_stroke_width"):
        original = getattr(preprocess_module, name)
        monkeypatch.setattr(preprocess_module, name, lambda *args, _f=original, _n=name: made.append(_n) or _f(*args))
    drawing = np.zeros((280, 280, 4), np.uint8)
    cv2.line(drawing, (140, 60), (140, 220), (0, 0, 255, 255), 18)
    result = preprocess(drawing)
    assert result.model_input is not None and made == []
    shown = {stage.name: stage.image for stage in result.stages}
    assert sorted(made) == ["display_copy", "mask_overview"]
    assert 0.05 < result.measurements.stroke_width < 0.2 and made[-1] == "drawn_stroke_width"
    assert result.measurements.stroke_width and made.count("drawn_stroke_width") == 1  # measured once
    assert shown["original"].shape == (280, 280, 3) and tuple(shown["original"][140, 140]) == (0, 0, 255)
    assert tuple(shown["original"][10, 10]) == (255, 255, 255)
    assert shown["digit"][140, 140] == 1 and shown["digit"][10, 10] == 0  # the stroke kept, white


def test_a_preprocessed_picture_can_be_pickled_before_and_after_its_pictures_are_shown():
    """Its stages keep the makers of pictures only shown: they must survive pickling (a cache, a
    worker process), made or not."""
    import pickle

    drawing = np.zeros((280, 280, 4), np.uint8)
    cv2.line(drawing, (140, 60), (140, 220), (0, 0, 0, 255), 18)
    result = preprocess(drawing)
    for _ in range(2):
        copy = pickle.loads(pickle.dumps(result))
        assert [np.array_equal(a.image, b.image) for a, b in zip(copy.stages, result.stages, strict=True)] == [True] * 7
        assert copy.measurements.stroke_width == result.measurements.stroke_width


def polarity_by_definition(grey: np.ndarray) -> bool:
    """`is_light_on_dark` as its docstring defines it, with OpenCV's median everywhere."""
    scale = min(1.0, POLARITY_SIDE / max(grey.shape))
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    small = (cv2.resize(grey, size, interpolation=cv2.INTER_AREA) * 255).astype(np.uint8)
    window = 2 * (max(small.shape) // 8) + 1
    difference = small.astype(np.int16) - cv2.medianBlur(small, window)
    clearly = max(8.0, 4 * 1.4826 * float(np.median(np.abs(difference))))
    return bool(np.count_nonzero(difference > clearly) > np.count_nonzero(difference < -clearly))


def test_polarity_decided_from_the_paper_alone_is_the_defined_one():
    """Drawings and clean scans are judged light or dark without OpenCV's wide median when the
    paper decides it: the answer must be the definition's, both ways, and on pictures it cannot
    decide (dense ink, grainy photos)."""
    rng = np.random.default_rng(9)
    decided = {True: 0, False: 0, None: 0}
    for index in range(300):
        shape = tuple(int(side) for side in rng.integers(40, 400, 2))
        paper, inks = ((235, [30]), (20, [230]), (128, [20, 235]))[index % 3]  # last: light and dark marks
        picture = np.full(shape, paper, np.uint8)
        for _ in range(int(rng.integers(1, 12))):  # up to dense scribbles
            start, end = (tuple(int(v) for v in rng.integers(0, max(shape), 2)) for _ in range(2))
            width = int(rng.integers(2, max(3, min(shape) // 4)))
            cv2.line(picture, start, end, int(rng.choice(inks)), width, cv2.LINE_AA)
        if index % 5 == 0:  # grain: no single paper value
            picture = np.clip(picture + rng.normal(0, 6, shape), 0, 255).astype(np.uint8)
        grey = picture.astype(np.float32) / 255
        small = (grey * 255).astype(np.uint8)
        window = 2 * (max(shape) // 8) + 1
        if max(shape) <= POLARITY_SIDE:
            decided[PaperWindows.of(small, window).decided_polarity(small)] += 1
        assert is_light_on_dark(grey) == polarity_by_definition(grey)
    assert min(decided.values()) >= 5, decided  # every way was exercised


def test_sure_reach_is_never_wrong_and_often_sure():
    """`surely_within` may skip the dilation that checks whether the paper reaches every window:
    it must never say so when the dilation disagrees (dots spaced about a radius apart put the
    distances at the boundary), and it must say so where dots are dense."""
    rng = np.random.default_rng(10)
    sure = 0
    for _ in range(400):
        radius = int(rng.integers(3, 17))
        shape = tuple(int(side) for side in rng.integers(10, 170, 2)) + ((3,) if rng.random() < 0.3 else ())
        spacing = radius * rng.uniform(0.3, 1.6)
        mask = (rng.random(shape) < 1 / spacing**2).astype(np.uint8)
        if not mask.reshape(-1, mask.shape[-1] if mask.ndim == 3 else 1).any(axis=0).all():
            continue  # a channel with no 1 at all: close_paper never asks (its top value is somewhere)
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
        covered = bool(cv2.dilate(mask, disc, borderType=cv2.BORDER_REPLICATE).all())
        if surely_within(mask, radius):
            sure += 1
            assert covered
    assert sure >= 40


def test_a_transparent_drawings_ink_is_its_opacity_divided_by_255_to_the_bit():
    drawing = np.zeros((280, 280, 4), np.uint8)
    drawing[..., 3] = np.random.default_rng(0).integers(0, 256, (280, 280)) * (np.arange(280) < 100)[None, :]
    ink, how = extract_ink(drawing)
    assert how == "from transparency"
    expected = np.divide(drawing[..., 3], np.float32(255), dtype=np.float32)
    assert np.array_equal(ink.view(np.uint32), expected.view(np.uint32))
