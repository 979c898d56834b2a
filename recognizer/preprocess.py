"""Any decoded picture of one digit -> the MNIST-normalized 28x28 model input, stage by stage.

MNIST digits are white ink on black, their strokes about 2-3 pixels wide, size-normalized into a
20x20 box (aspect ratio kept, anti-aliased) and placed in 28x28 with the centre of mass at the
centre. Each function below is one step towards that, a pure function over arrays; every
intermediate picture is kept as a named `Stage` so the app can show what the model sees and why.

Arrays: "ink" images are float32 `(H, W)` in [0, 1], 1 = full ink, 0 = paper.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, partial

import cv2
import numpy as np

PREPROCESSING_VERSION = "6"
WORKING_MAX_SIDE = 800  # enough for a digit that fills 1/20 of a photo's width
WORKING_MIN_SIDE = 64  # below this the blur and the paper-noise estimate would swallow the strokes
BACKGROUND_SIDE = 160  # lighting is smooth: estimate it on a small copy
POLARITY_SIDE = 320  # enough to keep thin strokes visible when judging dark vs light ink
BOX, CANVAS = 20, 28  # MNIST: the digit fits 20x20, placed in 28x28
STROKE_SCALE = 4  # stroke width is normalized on a 4x larger (80x80) box for precision
MNIST_STROKE_WIDTH = 2.5  # median over MNIST training digits (measured: 2.53), in box pixels
MIN_INK_CONTRAST = 0.12  # darker than the paper by less than this is not ink
MIN_DIGIT_SIZE = 0.04  # a digit's box spans at least this share of the picture's long side
MIN_DIGIT_PIXELS = 8  # ... and at least this many pixels (specks are not digits)
PICTURES_PER_CHUNK = 256  # canvas-sized pictures held in memory at once by mnist_like_inputs
EDGE_BAND = 0.03  # ink this close to the frame (share of its short side, at least 2 px) reaches the edge
PAPER_MARGIN = 0.25  # paper added on every side (share of the long side) when ink reaches the edge
CHAMFER_SHORTFALL = 0.98  # below 2.1969 / 2.236: see `surely_within`
MIN_POLARITY_STEP = 8  # grey levels: a pixel differing less from its local median is not clearly darker or lighter
EDGE_LINE_LENGTH, EDGE_LINE_THICKNESS = 0.5, 0.1  # a mark along an edge this long and thin is a line
INK_BLUR = 1.0  # sigma of the blur before thresholding; OpenCV's kernel for it reaches 4 pixels
INK_PART_MARGIN = 8  # > the blur's reach + 1: see `inked_part`
FROM_TRANSPARENCY = "from transparency"  # how the ink of a drawing on a transparent background is found
ALPHA_INK = np.divide(np.arange(256, dtype=np.uint8), np.float32(255), dtype=np.float32)  # opacity -> ink, looked
# up (2x faster than dividing every pixel, the same values)
MARKS_MEASURED_ONE_BY_ONE = 5  # labels (paper included) up to which `marks_measured` beats OpenCV's measuring
SIMD_COLUMNS = 32  # a multiple of the float32 values OpenCV's filters take at once (4, 8 or 16, by CPU; some
# loops take two vectors)


@dataclass(frozen=True)
class Stage:
    """One picture of the pipeline: `image` is uint8 (grey or RGB) or float32 in [0, 1].

    A picture that is only ever shown (the picture composited onto white, the marks kept) is
    given as the function that makes it (a `functools.partial`, so a stage can still be pickled),
    and made the first time `image` is asked for: the CLI and the batch never ask, and for a
    canvas drawing making them costs ~0.2 of its ~2 ms."""

    name: str
    caption: str
    picture: np.ndarray | Callable[[], np.ndarray] = field(repr=False)

    @cached_property
    def image(self) -> np.ndarray:
        return self.picture() if callable(self.picture) else self.picture


@dataclass(frozen=True)
class Measurements:
    """What the preprocessing noticed about the input; the basis of the advice shown to users."""

    digit_size: float  # long side of the digit's box / short side of the picture, 0..1
    contrast: float  # ink strength before normalization, 0..1
    separate_marks: int  # marks set aside as not part of the digit
    digit_sized_marks: int  # ... of which as large as a digit: probably more digits
    touches_edge: bool  # the digit reaches the picture's edge (it may be cut off)
    box: tuple[int, int, int, int]  # the digit's box (x, y, w, h) in the pixels of the picture as given
    measure_stroke_width: Callable[[], float] = field(repr=False, compare=False)

    @cached_property
    def stroke_width(self) -> float:
        """Stroke width / long side of the digit's box, as drawn: measured when first asked for
        (by the advice a person is shown): it costs an eighth of a canvas drawing's
        preprocessing (~0.15 ms), and the batch never asks."""
        return self.measure_stroke_width()


@dataclass(frozen=True)
class Preprocessed:
    """The model input `(28, 28)` float32 in [0, 1] (None when blank) and how it was made."""

    model_input: np.ndarray | None
    stages: tuple[Stage, ...]
    measurements: Measurements | None
    edge_marks: int = 0  # marks set aside as the picture's edge (page edge, table line): not blank


@dataclass(frozen=True)
class Frame:
    """Where the picture as given lies in the working image, which may have paper added around it."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class FoundDigit:
    """The marks kept as the digit: mask `(H, W)` bool, box (x, y, w, h), and what was set aside."""

    mask: np.ndarray
    box: tuple[int, int, int, int]
    separate_marks: int  # marks set aside as not part of the digit
    digit_sized_marks: int  # ... of which as large as a digit (away from the edge): more digits


@dataclass(frozen=True)
class Marks:
    """Connected marks of ink (label 0 is paper, with area 0 so it is never chosen)."""

    labels: np.ndarray  # (H, W) label image, uint16 or int32 (see `label_type`)
    boxes: np.ndarray  # (N, 4) x, y, w, h
    area: np.ndarray  # (N,) pixels, 0 for marks without strong ink
    touches_edge: np.ndarray  # (N,) bool: reaches the edge of the picture as given
    edge_line: np.ndarray  # (N,) bool: a long thin mark along an edge (page edge, table line)


@dataclass(frozen=True)
class DigitSearch:
    """One pass over a working-size picture up to the marks kept as the digit (None: nothing
    found). The model input is made only for the pass `preprocess` keeps: a digit at the edge is
    searched for twice, and making the input of the discarded pass would cost ~0.5 ms."""

    ink: np.ndarray
    stages: tuple[Stage, ...]
    frame: Frame
    digit: FoundDigit | None
    edge_marks: int
    from_transparency: bool  # the ink is a transparent drawing's alpha channel


def preprocess(image: np.ndarray) -> Preprocessed:
    """uint8 grey `(H, W)`, RGB or RGBA picture of one digit -> `Preprocessed`.

    A digit that fills the picture or touches its edge (a tight crop, a form box, a small bitmap)
    breaks what the first pass assumes: that most of the picture is paper. There the ink would be
    mistaken for paper, and a cut-off digit would be fitted and centred wrongly. So when the first
    pass finds nothing, or a digit that reaches the edge, the picture is read again with paper of
    its own edge colour added around it, keeping track of the original frame. A transparent
    drawing needs no second pass: its alpha channel tells ink from paper wherever the ink is.
    """
    given_shape = image.shape[:2]
    image = to_working_size(image)
    first = search_in_frame(image, 0)
    if (first.digit is not None and not reaches_edge(first.digit.box, first.frame)) or first.from_transparency:
        return finish_search(first, given_shape)
    padded = search_in_frame(image, round(PAPER_MARGIN * max(image.shape[:2])))
    return finish_search(padded if padded.digit is not None or first.digit is None else first, given_shape)


def search_in_frame(image: np.ndarray, margin: int) -> DigitSearch:
    """The ink and the digit's marks of a working-size picture, with `margin` pixels of paper
    added on every side."""
    height, width = image.shape[:2]
    frame = Frame(margin, margin, width, height)
    ink, how = extract_ink(add_paper(image, margin), paper_at_corner=margin > 0)
    ink_caption = f"Ink ({how}), white on black" + (", paper added around the edge" if margin else "")
    stages = (Stage("original", "What you gave", partial(display_copy, image)), Stage("ink", ink_caption, ink))
    marks = segment_ink(ink, frame)
    edge_marks = int(np.count_nonzero(marks.edge_line & (marks.area > 0))) if marks is not None else 0
    return DigitSearch(ink, stages, frame, find_digit(marks, frame), edge_marks, how == FROM_TRANSPARENCY)


def finish_search(search: DigitSearch, given_shape: tuple[int, int]) -> Preprocessed:
    """The stages and model input of a search; `given_shape` is the picture's (height, width)
    before resizing, for the digit's box."""
    if search.digit is None:
        return Preprocessed(None, search.stages, None, search.edge_marks)
    kept = Stage("digit", "Marks kept as the digit (grey: set aside)",
                 partial(mask_overview, search.ink, search.digit.mask))
    return prepare_digit(search.ink, search.digit, (*search.stages, kept), search.frame, given_shape,
                         search.edge_marks)


def prepare_digit(ink: np.ndarray, digit: FoundDigit, stages: tuple[Stage, ...], frame: Frame,
                  given_shape: tuple[int, int], edge_marks: int = 0) -> Preprocessed:
    """A found digit (its mask is the same shape as `ink`) -> its model input, after the `stages`
    that led to it; `frame` is where the picture as given lies in `ink`'s pixels (it may start
    outside them, when `ink` is a part of the picture), `given_shape` its (height, width).

    The one way a found digit becomes a model input: single pictures and each digit of a written
    number (recognizer/numbers.py) both come through here, so they look alike to the model.
    """
    crop, contrast = crop_to_digit(ink, digit.mask, digit.box)
    strokes, _ = normalize_stroke_width(crop)
    fitted = fit_box(strokes, BOX)
    model_input = centre_by_mass(fitted)
    stages += (Stage("crop", "Cropped to the digit, ink strength evened out", crop),
               Stage("strokes", "Strokes made as thick as MNIST's", strokes),
               Stage("box", "Fitted into 20x20, aspect ratio kept", fitted),
               Stage("model_input", "Centred in 28x28 by centre of mass: the model input", model_input))
    measurements = Measurements(
        digit_size=max(digit.box[2], digit.box[3]) / min(frame.height, frame.width),
        contrast=contrast,
        separate_marks=digit.separate_marks,
        digit_sized_marks=digit.digit_sized_marks,
        touches_edge=reaches_edge(digit.box, frame),
        box=box_in_picture(digit.box, frame, given_shape),
        measure_stroke_width=partial(drawn_stroke_width, digit.mask, digit.box),
    )
    return Preprocessed(model_input, stages, measurements, edge_marks)


def add_paper(image: np.ndarray, margin: int) -> np.ndarray:
    """The picture with `margin` pixels added on every side in the colour of its own edge.

    The median of the outermost pixels is the paper's colour even where a digit crosses the edge
    (it crosses it for a short stretch), and transparent pixels stay transparent."""
    if not margin:
        return image
    edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    colour = np.median(edge, axis=0).astype(np.uint8)
    value = colour.tolist() if image.ndim == 3 else int(colour)
    return cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=value)


def box_in_picture(box: tuple[int, int, int, int], frame: Frame, given_shape: tuple[int, int]) -> tuple[int, ...]:
    """A box (x, y, w, h) of the working image in the pixels of the picture as given."""
    scale_x, scale_y = given_shape[1] / frame.width, given_shape[0] / frame.height
    x, y = max(0, box[0] - frame.x), max(0, box[1] - frame.y)
    right = min(frame.width, box[0] + box[2] - frame.x)
    bottom = min(frame.height, box[1] + box[3] - frame.y)
    return (round(x * scale_x), round(y * scale_y), round((right - x) * scale_x), round((bottom - y) * scale_y))


def reaches_edge(box: tuple[int, int, int, int] | np.ndarray, frame: Frame) -> bool:
    """Whether a box (x, y, w, h) comes within EDGE_BAND of the frame's edge."""
    band = max(2, EDGE_BAND * min(frame.width, frame.height))
    x, y, w, h = (int(v) for v in box)
    return bool(x - frame.x < band or y - frame.y < band or frame.x + frame.width - (x + w) < band
                or frame.y + frame.height - (y + h) < band)


def mnist_like_input(image: np.ndarray) -> np.ndarray | None:
    """The model input stored the way MNIST stores digits: uint8 `(28, 28)`, 0-255 (None when
    the picture is blank). Training sets and the samples store keep inputs in this form."""
    model_input = preprocess(image).model_input
    return None if model_input is None else (model_input * 255).round().astype(np.uint8)


def mnist_like_inputs(images: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Many pictures at once: the uint8 `(N, 28, 28)` inputs of the non-blank ones, and a boolean
    array saying which pictures those are (generated training pictures may come out blank).

    OpenCV releases the GIL, so threads share the cores; pictures are taken a chunk at a time
    because a training set's worth of canvas-sized pictures would not fit in memory."""
    inputs: list[np.ndarray | None] = []
    with ThreadPoolExecutor() as pool:
        pictures = iter(images)
        while chunk := list(itertools.islice(pictures, PICTURES_PER_CHUNK)):
            inputs += pool.map(mnist_like_input, chunk)
    return np.stack([i for i in inputs if i is not None]), np.array([i is not None for i in inputs], bool)


def to_working_size(image: np.ndarray) -> np.ndarray:
    """Shrink so the long side is at most WORKING_MAX_SIDE; enlarge thumbnails (an 8 x 8 icon of
    a digit) so the short side is WORKING_MIN_SIDE, because in a few pixels the strokes are as
    large a share of the picture as the paper and would be taken for its noise."""
    scale = WORKING_MAX_SIDE / max(image.shape[:2])
    if scale < 1:
        interpolation = cv2.INTER_AREA
    elif min(image.shape[:2]) < WORKING_MIN_SIDE:
        scale, interpolation = WORKING_MIN_SIDE / min(image.shape[:2]), cv2.INTER_CUBIC
    else:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=interpolation)


def display_copy(image: np.ndarray) -> np.ndarray:
    """The picture as a person saw it: transparency composited onto white."""
    if image.ndim == 3 and image.shape[2] == 4:
        # white - (white - colour) * opacity, in OpenCV's rounding uint8 arithmetic (4x faster
        # than a float blend; a canvas is composited for every drawing), in place in one buffer
        # (255 - x is bitwise not in uint8)
        opacity = cv2.cvtColor(cv2.extractChannel(image, 3), cv2.COLOR_GRAY2RGB)
        shown = cv2.bitwise_not(cv2.cvtColor(image, cv2.COLOR_RGBA2RGB))
        cv2.multiply(shown, opacity, dst=shown, scale=1 / 255)
        return cv2.bitwise_not(shown, dst=shown)
    return image


def extract_ink(image: np.ndarray, paper_at_corner: bool = False) -> tuple[np.ndarray, str]:
    """White-on-black ink map, from the alpha channel of a transparent drawing or from the light.

    A drawing canvas with a transparent background has its strokes only in the alpha channel.
    Everything else is judged by colour: the paper is whatever most of the picture is, so
    dark-on-light and light-on-dark both work; uneven lighting is divided out per colour channel,
    and the ink is the channel that differs most from the paper (blue ink on beige paper is far
    darker in red than in overall brightness). `paper_at_corner` says the paper is known (it was
    added around the picture): then the ink is whatever way the picture departs from it.
    """
    alpha = transparent_alpha(image)
    if alpha is not None:
        return cv2.LUT(alpha, ALPHA_INK), FROM_TRANSPARENCY
    image = display_copy(image)
    colour = image.astype(np.float32) / 255
    grey = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY) if colour.ndim == 3 else colour
    light_on_dark = bool(grey.mean() > grey[0, 0]) if paper_at_corner else is_light_on_dark(grey)
    if light_on_dark:
        colour = 1 - colour
    ink = 1 - np.clip(colour / estimate_paper(colour), 0, 1)
    if ink.ndim == 3:
        ink = ink.max(axis=2)
    return ink, "light strokes on dark" if light_on_dark else "dark strokes on light"


def transparent_alpha(image: np.ndarray) -> np.ndarray | None:
    """The alpha channel, uint8 `(H, W)`, of a drawing on a transparent background: mostly
    see-through pixels, the strokes opaque; None for any other picture (an opaque RGBA picture is
    judged by its colours instead). Copied out once: numpy compares every fourth byte of the
    picture 5x slower than a contiguous copy, and the copy is then the ink."""
    if image.ndim != 3 or image.shape[2] != 4:
        return None
    alpha = cv2.extractChannel(image, 3)
    return alpha if 2 * np.count_nonzero(alpha > 127) < alpha.size else None


def is_light_on_dark(grey: np.ndarray) -> bool:
    """Whether the marks are lighter than the paper.

    Marks are what stands out from their surroundings: compared with a local median (which
    ignores shading and gradients), count the pixels clearly darker and clearly lighter; the
    larger group is the ink. "Clearly" is judged against the picture's own noise.
    """
    height, width = grey.shape
    scale = min(1.0, POLARITY_SIDE / max(height, width))
    small = cv2.resize(grey, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA)
    small = (small * 255).astype(np.uint8)
    window = 2 * (max(small.shape) // 8) + 1  # wider than strokes, narrower than shading
    windows = PaperWindows.of(small, window)
    known = windows.decided_polarity(small)
    if known is not None:
        return known
    difference = small.astype(np.int16) - median_blur(small, window, windows)
    noise = 1.4826 * median_of(np.abs(difference))
    clearly = max(MIN_POLARITY_STEP, 4 * noise)
    return bool(np.count_nonzero(difference > clearly) > np.count_nonzero(difference < -clearly))


@dataclass(frozen=True)
class PaperWindows:
    """Where a uint8 picture's local median is known beforehand: where more than half of a
    window is one value, that value is its median. That value is the paper's colour over most
    of a drawing or a scan."""

    paper: int  # the picture's commonest value
    known: np.ndarray  # (H, W) uint8 0/1: more than half of the window around the pixel is `paper`

    @classmethod
    def of(cls, image: np.ndarray, window: int) -> PaperWindows:
        """Counting costs ~0.1 ms on a 280x280 picture; the windows replicate the picture's own
        edge beyond it, as OpenCV's median does."""
        paper = int(np.argmax(cv2.calcHist([image], [0], None, [256], [0, 256])))
        count = cv2.boxFilter((image == paper).view(np.uint8), cv2.CV_32S, (window, window), normalize=False,
                              borderType=cv2.BORDER_REPLICATE)
        return cls(paper, (count > window * window // 2).view(np.uint8))

    def decided_polarity(self, image: np.ndarray) -> bool | None:
        """`is_light_on_dark`'s answer for `image` when the pixels of known median decide it
        whatever the others' medians are, else None.

        When more than half of the picture is paper in windows of paper, the noise estimate (the
        median of the differences from the local medians) is 0 and "clearly" is its floor; each
        pixel of unknown median can then add one to either count at most. On a drawing or a clean
        scan this spares OpenCV's median of the wide window (~0.6 ms of a 280x280 picture)."""
        known = self.known.view(bool)
        if 2 * np.count_nonzero(known & (image == self.paper)) <= image.size:
            return None
        difference = image[known].astype(np.int16) - self.paper
        lighter = np.count_nonzero(difference > MIN_POLARITY_STEP)
        darker = np.count_nonzero(difference < -MIN_POLARITY_STEP)
        unknown = image.size - len(difference)
        if lighter > darker + unknown:
            return True
        return False if darker >= lighter + unknown else None


def estimate_paper(colour: np.ndarray) -> np.ndarray:
    """Colour of the bare paper at every pixel (shadows and gradients included), same shape.

    A closing (max then min filter) wider than any stroke erases the dark strokes and keeps the
    paper. It should be no wider than needed, or it bleeds light across shadow edges, so its
    radius follows the stroke width. Done on a small copy, smoothed and scaled back.
    """
    height, width = colour.shape[:2]
    scale = BACKGROUND_SIDE / max(height, width)
    small = cv2.resize(colour, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    _, dark = cv2.threshold((255 - grey * 255).astype(np.uint8), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    radius = int(np.clip(round(1.5 * stroke_width_px(dark)) + 2, 3, BACKGROUND_SIDE // 10))
    paper = close_paper(small, radius)
    paper = cv2.GaussianBlur(paper, (0, 0), radius / 2)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.maximum(paper, 1e-3)


def median_blur(image: np.ndarray, window: int, windows: PaperWindows | None = None) -> np.ndarray:
    """`cv2.medianBlur(image, window)` of a uint8 `(H, W)` picture, the same to the bit, with
    OpenCV's median computed only where it is not known beforehand (`PaperWindows`, counted here
    unless given): OpenCV's median at the polarity window costs ~1.7 ms on a 280x280 picture.
    The rest (the median of a window that is mostly ink) is computed on the part of the picture
    around it, which holds every pixel its windows need."""
    windows = windows or PaperWindows.of(image, window)
    blurred = np.full_like(image, windows.paper)
    x, y, w, h = cv2.boundingRect(1 - windows.known)
    if w:
        reach = window // 2
        left, top = max(0, x - reach), max(0, y - reach)
        part = np.ascontiguousarray(image[top : y + h + reach, left : x + w + reach])
        blurred[y : y + h, x : x + w] = cv2.medianBlur(part, window)[y - top : y - top + h, x - left : x - left + w]
    return blurred


def close_paper(small: np.ndarray, radius: int) -> np.ndarray:
    """`cv2.morphologyEx(small, cv2.MORPH_CLOSE, disc, borderType=cv2.BORDER_REPLICATE)` of a
    float32 `(H, W)` or `(H, W, C)` picture, `disc` OpenCV's elliptic structuring element of
    `radius`, the same to the bit, skipped when its answer is known.

    A closing is a max filter, then a min filter. Where every window holds the picture's largest
    value (per channel), the max filter gives that value everywhere and the min filter keeps it:
    the paper of a drawing or a clean scan, where strokes are narrower than the window. Checking
    that costs ~0.05 ms at 160x160 when distances settle it (`surely_within`), ~0.3 ms as a
    dilation of a uint8 mask otherwise; the float closing costs ~1.4 ms."""
    top = small.max(axis=(0, 1))
    at_top = (small == top).view(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    if surely_within(at_top, radius) or cv2.dilate(at_top, disc, borderType=cv2.BORDER_REPLICATE).all():
        return np.full_like(small, top)
    return cv2.morphologyEx(small, cv2.MORPH_CLOSE, disc, borderType=cv2.BORDER_REPLICATE)


def surely_within(mask: np.ndarray, radius: int) -> bool:
    """True when every pixel of a uint8 0/1 mask `(H, W)` or `(H, W, C)` has a 1 of its channel
    within `radius` pixels (then a dilation by OpenCV's elliptic element of that radius, which
    holds every offset of length up to `radius`, is all 1s); False may also mean "not sure".

    OpenCV's fast 5x5 distance adds steps of 1, 1.4 and 2.1969 for steps 1, 1.414 and 2.236 long:
    never less than CHAMFER_SHORTFALL times the length of the path it takes, so a distance d it
    gives means a 1 within d / CHAMFER_SHORTFALL."""
    channels = cv2.split(mask) if mask.ndim == 3 else [mask]
    return all(cv2.distanceTransform(1 - channel, cv2.DIST_L2, 5).max() <= CHAMFER_SHORTFALL * radius
               for channel in channels)


def find_digit(marks: Marks | None, frame: Frame) -> FoundDigit | None:
    """The marks that make the digit, or None when nothing digit-sized stands out from the paper.

    The digit is the largest mark. A mark reaching the picture's edge counts less (shadows,
    fingers and page edges do that), unless nothing else competes with it: then it is the digit,
    cropped tightly. Long thin marks along an edge (page edges, table lines) never count. Marks
    near the digit join it, because digits are often written in several strokes (the bar of a
    5, an open 4, a crossed 7), and the group grows until nothing else is near; a mark reaching the
    edge joins unless its box dwarfs the square of the digit's longest side (a shadow), since a
    thin bar's own box is tiny next to the stroke of a 5 that runs off the picture. Other marks at
    least half the digit's height, away from the edge, are likely more digits.
    """
    if marks is None:
        return None
    score = marks.area * np.where(marks.touches_edge, 0.3, 1.0) * ~marks.edge_line
    main = int(np.argmax(score))
    boxes, area = marks.boxes, marks.area
    smallest = max(MIN_DIGIT_PIXELS, MIN_DIGIT_SIZE * max(frame.width, frame.height))
    if score[main] <= 0 or max(boxes[main, 2:]) < smallest:
        return None
    members, box = {main}, boxes[main].copy()
    grown = True
    while grown:
        grown = False
        margin = 0.3 * max(box[2], box[3])
        for label in np.flatnonzero((area >= 0.02 * area[main]) & ~marks.edge_line):
            if label not in members and boxes_near(box, boxes[label], margin) and not (
                marks.touches_edge[label] and boxes[label, 2] * boxes[label, 3] > 4 * max(box[2], box[3]) ** 2
            ):
                members.add(int(label))
                box = union_box(box, boxes[label])
                grown = True
    set_aside = set(np.flatnonzero(area >= 0.05 * area[main]).tolist()) - members
    digit_sized = [label for label in set_aside if not marks.touches_edge[label]
                   and area[label] >= 0.15 * area[main] and boxes[label, 3] >= 0.5 * box[3]]
    box = tuple(int(v) for v in box)
    return FoundDigit(members_mask(marks, members, box), box, len(set_aside), len(digit_sized))


def members_mask(marks: Marks, members: set[int], box: tuple[int, int, int, int]) -> np.ndarray:
    """`(H, W)` bool: the pixels of the marks `members`, which all lie in `box` (x, y, w, h), their
    union; only the box is looked at (a canvas digit's box is a fraction of the canvas)."""
    x, y, w, h = box
    inside = marks.labels[y : y + h, x : x + w]
    mask = np.zeros(marks.labels.shape, bool)
    if len(members) == 1:
        np.equal(inside, next(iter(members)), out=mask[y : y + h, x : x + w])
    else:
        kept = np.zeros(len(marks.area), bool)
        kept[list(members)] = True
        kept.take(inside, out=mask[y : y + h, x : x + w])  # a lookup per pixel: 5x faster than np.isin
    return mask


def segment_ink(ink: np.ndarray, frame: Frame) -> Marks | None:
    """Connected marks of ink, or None when nothing stands out from the paper.

    The threshold is Otsu's, but never below MIN_INK_CONTRAST nor within the paper's own noise
    (grain, JPEG artefacts), so a blank page stays blank; hysteresis (a weaker threshold for
    pixels connected to strong ink) keeps faint stroke ends attached. A slight blur first lets
    strokes stand out of grain that is only a pixel wide.
    """
    part = inked_part(ink)
    if part is None:
        return None  # not a trace of ink
    ink = blurred(ink, part)
    sample = np.ascontiguousarray(ink[::2, ::2])  # statistics of the paper need no more; halves the cost
    median = median_of(sample)
    noise = 1.4826 * median_of(np.abs(sample - median)) if median else 0.0  # ink >= 0: a median of 0 has 0 noise
    if percentile_of(sample, 99.9) - median < max(MIN_INK_CONTRAST, 8 * noise):
        return None  # nothing stands out from the paper (blank, or one uniform colour)
    grey = np.zeros(ink.shape, np.uint8)  # 0 outside the inked part, as the ink: converted there alone
    np.multiply(ink[part], 255, out=grey[part], casting="unsafe")
    otsu, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    high = max(otsu / 255, median + MIN_INK_CONTRAST, median + 8 * noise)
    low = max(high / 2, median + 4 * noise)
    binary = remove_ruled_lines((ink >= low).view(np.uint8), part)  # 0/1 bytes as they are
    labels, stats = labelled_marks(binary, part)
    has_strong_ink = np.bincount(labels[part][ink[part] >= high], minlength=len(stats)) > 0
    has_strong_ink[0] = False
    boxes = stats[:, :4]
    edges = edges_reached(boxes, frame)
    return Marks(labels, boxes, stats[:, cv2.CC_STAT_AREA] * has_strong_ink, edges.any(axis=1),
                 along_an_edge(boxes, edges, frame))


def inked_part(ink: np.ndarray) -> tuple[slice, slice] | None:
    """The rows and columns of `ink` outside which it is all 0 (None: it is 0 everywhere), with
    INK_PART_MARGIN more on every side; its rows start at an even row, its columns at a multiple
    of SIMD_COLUMNS, and they span a multiple of them, unless they reach the picture's right edge.

    A drawing on a transparent canvas has no ink at all outside its strokes, often half of the
    canvas; blurring and labelling only this part gives the same pictures and marks as doing the
    whole, for half the cost. The margin keeps the blur's border handling out of the strokes'
    reach. OpenCV filters a row a few values at a time from its start and sums the columns left
    over at its end in another order: with the part's columns in step with the whole picture's,
    every pixel is computed the same way, to the bit (the test would show it otherwise). OpenCV
    labels marks two rows at a time: from an odd row, a picture of many marks gets them numbered
    in another order."""
    x, y, width, height = cv2.boundingRect((ink > 0).view(np.uint8))
    if not width:
        return None
    left = max(0, x - INK_PART_MARGIN) // SIMD_COLUMNS * SIMD_COLUMNS
    right = left + -(-(x + width + INK_PART_MARGIN - left) // SIMD_COLUMNS) * SIMD_COLUMNS
    return slice(max(0, y - INK_PART_MARGIN) // 2 * 2, y + height + INK_PART_MARGIN), slice(left, right)


def blurred(ink: np.ndarray, part: tuple[slice, slice]) -> np.ndarray:
    """`cv2.GaussianBlur(ink, (0, 0), INK_BLUR)`, the same to the bit, blurring only the inked
    `part` (zeros blur to zeros). The slight blur lets strokes stand out of single-pixel grain."""
    if ink[part].size == ink.size:
        return cv2.GaussianBlur(ink, (0, 0), INK_BLUR)
    result = np.zeros_like(ink)
    result[part] = cv2.GaussianBlur(ink[part], (0, 0), INK_BLUR)
    return result


def labelled_marks(binary: np.ndarray, part: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray]:
    """`cv2.connectedComponentsWithStats(binary, connectivity=8)`'s labels and stats, labelling
    only the `part` of the 0/1 mask that can hold marks; label 0 (the paper) gets the whole
    picture as its box and no area. A few marks (a drawing) are measured by `marks_measured`;
    a picture of many (a photo's specks) is labelled again by OpenCV, measuring as it goes: the
    second labelling costs less than measuring many marks one by one."""
    inside = binary[part]
    count, labels = cv2.connectedComponents(inside, connectivity=8, ltype=label_type(binary.shape))
    if count <= MARKS_MEASURED_ONE_BY_ONE:
        stats = marks_measured(labels, count)
    else:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8, ltype=label_type(binary.shape))
    if inside.size < binary.size:
        stats[:, 0] += part[1].start
        stats[:, 1] += part[0].start
        whole = np.zeros(binary.shape, labels.dtype)
        whole[part] = labels
        labels = whole
    stats[0] = (0, 0, binary.shape[1], binary.shape[0], 0)
    return labels, stats


def marks_measured(labels: np.ndarray, count: int) -> np.ndarray:
    """`cv2.connectedComponentsWithStats`' stats (x, y, w, h, area) of the marks of a label image
    with `count` labels, label 0's left at 0: measured one mark at a time, which is faster when
    there are few (a drawing has one to three): OpenCV measures as it labels, 0.13 ms for a
    canvas against 0.04 ms to label it alone and ~0.015 ms per mark here."""
    stats = np.zeros((count, 5), np.int32)
    for label in range(1, count):
        mark = cv2.inRange(labels, label, label)
        stats[label, :4] = cv2.boundingRect(mark)
        stats[label, 4] = cv2.countNonZero(mark)
    return stats


def edges_reached(boxes: np.ndarray, frame: Frame) -> np.ndarray:
    """`(N, 4)` bool: whether each box (x, y, w, h) reaches the frame's left, top, right, bottom."""
    return np.stack([boxes[:, 0] <= frame.x, boxes[:, 1] <= frame.y,
                     boxes[:, 0] + boxes[:, 2] >= frame.x + frame.width,
                     boxes[:, 1] + boxes[:, 3] >= frame.y + frame.height], axis=1)


def along_an_edge(boxes: np.ndarray, edges: np.ndarray, frame: Frame) -> np.ndarray:
    """`(N,)` bool: long thin marks lying along an edge they reach (a page edge, a shadow's rim,
    a table line), unlike a digit, which meets an edge with the end of a stroke."""
    wide = (boxes[:, 2] >= EDGE_LINE_LENGTH * frame.width) & (boxes[:, 3] <= EDGE_LINE_THICKNESS * frame.height)
    tall = (boxes[:, 3] >= EDGE_LINE_LENGTH * frame.height) & (boxes[:, 2] <= EDGE_LINE_THICKNESS * frame.width)
    return (wide & (edges[:, 1] | edges[:, 3])) | (tall & (edges[:, 0] | edges[:, 2]))


def label_type(shape: tuple[int, int]) -> int:
    """16-bit labels when even a picture of isolated dots (one mark per 2x2 pixels, the most an
    8-connected labelling can find) has fewer marks than 16 bits count: OpenCV measures marks
    2.5x faster with them (0.19 ms instead of 0.47 ms for a 280x280 canvas)."""
    most_marks = ((shape[0] + 1) // 2) * ((shape[1] + 1) // 2)
    return cv2.CV_16U if most_marks < 2**16 else cv2.CV_32S


def remove_ruled_lines(binary: np.ndarray, part: tuple[slice, slice]) -> np.ndarray:
    """Erase the rules of lined or squared paper from a 0/1 mask of marks, which is 0 outside
    its `part` (so rows and columns are counted there alone).

    A rule is a thin straight run across most of the picture, and paper has several parallel
    ones; a single long stroke (a 1 filling the frame, the base of a big 2) is left alone.
    Where a stroke crosses a rule, the rule's pixels between stroke ink on both sides are kept,
    so the digit is not cut into stripes (which looks like hatching, not like a digit).
    """
    height, width = binary.shape
    kept = binary
    across = (((round(0.8 * width), 1), cv2.CC_STAT_HEIGHT), ((1, round(0.8 * height)), cv2.CC_STAT_WIDTH))
    for axis, (kernel_shape, thickness_stat) in enumerate(across):
        if max(kernel_shape) < 20:
            continue  # too small a picture to tell rules from strokes
        if part[1 - axis].stop - part[1 - axis].start < max(kernel_shape) or int(
                cv2.reduce(binary[part], 1 - axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).max()) < max(kernel_shape):
            continue  # no row (column) holds that much ink: no rule, skip the costly opening (and the
            # counting, when the inked part is narrower (lower) than a rule: a digit on a canvas)
        runs = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel_shape))
        count, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        thickness = int(stats[1:, thickness_stat].max()) if count > 1 else 0
        if count - 1 >= 2 and thickness <= max(3, min(height, width) // 60):
            rules = cv2.dilate(runs, np.ones((3, 3), np.uint8))
            without = binary & (1 - rules)
            span = (1, thickness + 5) if axis == 0 else (thickness + 5, 1)  # bridge across the rule
            bridged = cv2.morphologyEx(without, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, span))
            kept = kept & (without | (bridged & rules & binary))  # a new array: `binary` stays as given
    return kept


def boxes_near(a: np.ndarray, b: np.ndarray, margin: float) -> bool:
    """Whether box b (x, y, w, h) overlaps box a grown by `margin` on every side."""
    return bool(b[0] < a[0] + a[2] + margin and b[0] + b[2] > a[0] - margin
                and b[1] < a[1] + a[3] + margin and b[1] + b[3] > a[1] - margin)


def union_box(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return np.array([x0, y0, x1 - x0, y1 - y0])


def mask_overview(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Kept marks white, the rest of the ink dimmed grey: shows what was set aside."""
    overview = ink * np.float32(0.35)
    np.maximum(ink, np.float32(0.9), out=overview, where=mask)
    return overview


def crop_to_digit(ink: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float]:
    """The digit's box, ink outside its marks removed, strength scaled so stroke cores are 1.

    MNIST strokes are saturated in the middle: faint pencil and bold marker both become that.
    Returns the crop and the original ink strength (for the "low contrast" advice).
    """
    x, y, w, h = box
    # the mask lies within the box: no need to grow the whole picture; a contiguous copy is dilated
    # and indexed 1.5x faster than a view of rows of the picture
    inside = np.ascontiguousarray(mask[y : y + h, x : x + w])
    kept = cv2.dilate(inside.view(np.uint8), np.ones((3, 3), np.uint8))
    crop = cv2.copyTo(ink[y : y + h, x : x + w], kept)  # zeros where not kept, like np.where but 2x faster
    strength = percentile_of(crop[inside], 90)
    crop /= max(strength, 1e-3)
    return np.clip(crop, 0, 1, out=crop).astype(np.float32, copy=False), strength


def stroke_width_px(binary: np.ndarray) -> float:
    """Typical stroke width in a uint8 0/1 mask of strokes: twice the median ridge distance."""
    if not binary.any():
        return 0.0
    # ink touching the edge still has an edge to measure from (zeros as np.pad adds them, 20x faster)
    padded = cv2.copyMakeBorder(binary, 1, 1, 1, 1, cv2.BORDER_CONSTANT)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)
    ridge = (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8))) & (distance > 0)
    return 2 * median_of(distance[ridge])


def normalize_stroke_width(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Thin or thicken the strokes to MNIST's width, on an 80-pixel box for precision.

    Hairlines would shrink to faint dots and marker strokes to blobs at 20x20; grey-level
    dilation or erosion by the difference brings both to what the model was trained on.
    Returns the adjusted image (long side 80) and the measured width relative to the box.
    """
    scaled = fit_long_side(crop, BOX * STROKE_SCALE)
    width = stroke_width_px((scaled >= 0.5).view(np.uint8))
    target = MNIST_STROKE_WIDTH * STROKE_SCALE
    change = round((target - width) / 2)
    if change:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(change) + 1,) * 2)
        padded = cv2.copyMakeBorder(scaled, *(abs(change),) * 4, cv2.BORDER_CONSTANT)  # room to grow at the edges
        scaled = crop_to_ink(cv2.dilate(padded, kernel) if change > 0 else cv2.erode(padded, kernel))
    return scaled, width / (BOX * STROKE_SCALE)


def drawn_stroke_width(mask: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Stroke width of the digit as drawn, relative to its box's long side, for advice.

    Measured on the digit's mask (bool `(H, W)`), not on its ink: a grainy marker stroke has
    faint pixels inside it, and its ink thresholded at half strength looks like a thin pen.
    """
    x, y, w, h = box
    scaled = fit_long_side(mask[y : y + h, x : x + w].astype(np.float32), BOX * STROKE_SCALE)
    return stroke_width_px((scaled >= 0.5).view(np.uint8)) / (BOX * STROKE_SCALE)


def median_of(values: np.ndarray) -> float:
    """`np.median` of an array, the same value to the bit (the middle pair is averaged in the
    array's own float type, or in float64 for integers), without its general-purpose overhead:
    20-100 us a call, and a canvas drawing needs five."""
    values = values.ravel()
    if values.size == 1:
        return float(values[0])
    middle = values.size // 2
    low, high = sorted_pair(values, middle - 1)
    if values.size % 2:
        return float(high)
    if np.issubdtype(values.dtype, np.integer):
        return (float(low) + float(high)) / 2
    return float((low + high) / values.dtype.type(2))


def sorted_pair(values: np.ndarray, index: int) -> tuple[np.generic, np.generic]:
    """`np.sort(values)[index : index + 2]` of a flat array, as two scalars of its type.

    A picture is mostly bare paper and a drawing's strokes are mostly full ink, so a run of the
    smallest or of the largest value often covers both places: then a few quick passes replace
    the partition, which numpy does slowly on so many equal values (on a few hundred values,
    such as a stroke's ridge, the passes would cost more than they save). Equal values are the
    same value, a zero's sign aside: numpy's partition does not order -0.0 and 0.0 either."""
    if values.size >= 1024:
        smallest = values.min()
        if np.count_nonzero(values == smallest) > index + 1:
            return smallest, smallest
        largest = values.max()
        if np.count_nonzero(values == largest) >= values.size - index:
            return largest, largest
    low, high = np.partition(values, (index, index + 1))[index : index + 2]
    return low, high


def percentile_of(values: np.ndarray, percent: float) -> float:
    """`np.percentile(values, percent)` of a float array without NaN, the same value to the bit
    (its default linear interpolation between the two values around the position, in the
    array's float type, done as numpy does it), without its general-purpose overhead (a copy,
    a partition at four places): 60-130 us a call, and a canvas drawing needs two."""
    values = values.ravel()
    position = (values.size - 1) * (percent / 100)
    if position >= values.size - 1:
        return float(values.max())
    below = math.floor(position)
    fraction = position - below
    low, high = sorted_pair(values, below)
    step = high - low
    return float(high - step * (1 - fraction) if fraction >= 0.5 else low + step * fraction)


def crop_to_ink(image: np.ndarray) -> np.ndarray:
    """The smallest box holding all visible ink (the whole image if there is none)."""
    x, y, w, h = cv2.boundingRect((image > 0.05).view(np.uint8))  # of a mask's pixels: 5x faster than np.nonzero
    return image[y : y + h, x : x + w] if w else image


def fit_long_side(image: np.ndarray, side: int) -> np.ndarray:
    """Resize so the long side is `side`, aspect ratio kept; area averaging anti-aliases."""
    height, width = image.shape
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def fit_box(image: np.ndarray, side: int) -> np.ndarray:
    """Fit into a `side` x `side` square, aspect ratio kept, centred by its box."""
    fitted = fit_long_side(image, side)
    square = np.zeros((side, side), np.float32)
    top, left = (side - fitted.shape[0]) // 2, (side - fitted.shape[1]) // 2
    square[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    return square


def centre_by_mass(box: np.ndarray) -> np.ndarray:
    """Place the 20x20 box in 28x28 so the centre of mass lands on the centre, like MNIST.

    MNIST's centre of mass sits at pixel (14.0, 14.0) on average (measured). The shift is whole
    pixels (no blur), limited so that no ink leaves the frame.
    """
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    offset = (CANVAS - BOX) // 2
    canvas[offset : offset + BOX, offset : offset + BOX] = box
    moments = cv2.moments(canvas)
    if moments["m00"] <= 0:
        return canvas
    left, top, width, height = cv2.boundingRect((canvas > 0).view(np.uint8))  # where the ink is
    dx = min(max(round(CANVAS / 2 - moments["m10"] / moments["m00"]), -left), CANVAS - left - width)
    dy = min(max(round(CANVAS / 2 - moments["m01"] / moments["m00"]), -top), CANVAS - top - height)
    # moved by slicing: only paper leaves the frame (np.roll, which would wrap it round, costs 4x more)
    centred = np.zeros_like(canvas)
    centred[max(dy, 0) : CANVAS + min(dy, 0), max(dx, 0) : CANVAS + min(dx, 0)] = \
        canvas[max(-dy, 0) : CANVAS - max(dy, 0), max(-dx, 0) : CANVAS - max(dx, 0)]
    return np.clip(centred, 0, 1, out=centred)
