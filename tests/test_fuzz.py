"""Property-based fuzzing of decode + preprocess: whatever the bytes or the array, the only
exception is `InputError`, no input takes longer than a second, and whatever is accepted yields a
well-formed model input. Mutated real files reach deep into the decoders (the AVIF and HEIF ones
raised RuntimeError before); random arrays of every shape, dtype and memory layout reach deep into
the preprocessing."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from recognizer import InputError
from recognizer.decode import load_image
from recognizer.preprocess import preprocess
from tests.test_decode import encoded, rgb, seven

FUZZ = settings(max_examples=300, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])


def seed_files() -> list[bytes]:
    """Small valid pictures in every accepted format and several modes, to mutate into almost-valid ones."""
    picture = rgb(seven(48))
    exif = Image.Exif()
    exif[0x0112] = 6
    grey16 = Image.fromarray(seven(48).astype(np.uint16) * 257)
    frames = {"save_all": True, "append_images": [Image.new("RGB", (48, 48), "red")]}
    return [
        encoded(picture, "PNG"), encoded(picture.convert("P"), "PNG", transparency=0), encoded(grey16, "PNG"),
        encoded(picture.convert("RGBA"), "PNG", **frames),
        encoded(picture, "JPEG", exif=exif), encoded(picture, "JPEG", progressive=True),
        encoded(picture.convert("CMYK"), "JPEG"),
        encoded(picture, "GIF", **frames), encoded(picture, "BMP"),
        encoded(picture, "TIFF", compression="tiff_lzw"), encoded(grey16, "TIFF"),
        encoded(Image.fromarray(seven(48).astype(np.float32)), "TIFF"),
        encoded(picture, "WEBP"), encoded(picture, "WEBP", lossless=True, **frames),
        encoded(picture, "HEIF"), encoded(picture, "AVIF"),
    ]


SEEDS = seed_files()


def survives(source) -> None:
    """Decode and preprocess; an `InputError` is the one allowed refusal, anything else fails the test."""
    try:
        prepared = preprocess(load_image(source))
    except InputError as refusal:
        assert str(refusal)
        event("refused")
        return
    event("blank" if prepared.model_input is None else "digit-sized mark found")
    if prepared.model_input is not None:
        model_input = prepared.model_input
        assert model_input.shape == (28, 28) and model_input.dtype == np.float32
        assert np.isfinite(model_input).all() and 0 <= model_input.min() <= model_input.max() <= 1


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    survives(data)


@FUZZ
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12),
       st.integers(1, 10**6), st.booleans())
def test_mutated_image_files(seed, changes, keep, truncate_first):
    """A real file with a few bytes overwritten and/or cut short: the inputs that reach the decoders' depths."""
    data = bytearray(seed[:keep] if truncate_first else seed)
    for position, value in changes:
        if data:
            data[position % len(data)] = value
    survives(bytes(data[:keep]))


DTYPES = st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_])
ANY_SHAPE = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=300).filter(
    lambda shape: np.prod(shape) <= 300 * 300 * 4)
IMAGE_SHAPE = st.tuples(st.integers(0, 300), st.integers(0, 300)) | st.tuples(
    st.integers(0, 300), st.integers(0, 300), st.sampled_from([1, 3, 4]))


@FUZZ
@given(hnp.arrays(DTYPES, ANY_SHAPE | IMAGE_SHAPE))
def test_random_arrays(array):
    """Any shape (0-D to 4-D, empty sides), any listed dtype, NaN and inf included."""
    survives(array)


@st.composite
def drawings(draw) -> np.ndarray:
    """Image-shaped arrays with noise and random strokes, in any dtype and memory layout: the inputs
    that get past the gate and exercise ink extraction, segmentation and normalization."""
    height, width = draw(st.integers(8, 300)), draw(st.integers(8, 300))
    channels = draw(st.sampled_from([None, 1, 3, 4]))
    shape = (height, width) if channels is None else (height, width, channels)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    picture = np.full(shape, draw(st.integers(0, 255)), np.uint8)
    picture = np.clip(picture + rng.normal(0, draw(st.sampled_from([0, 3, 30, 120])), shape), 0, 255).astype(np.uint8)
    for _ in range(draw(st.integers(0, 6))):
        start, end = rng.integers(0, (width, height), 2), rng.integers(0, (width, height), 2)
        colour = tuple(int(v) for v in rng.integers(0, 256, channels or 1))
        cv2.line(picture, tuple(int(v) for v in start), tuple(int(v) for v in end), colour, int(rng.integers(1, 30)))
    dtype = draw(st.sampled_from(["uint8", "bool", "uint16", "float32", "float64"]))
    converted = {"uint8": picture, "bool": picture > 127, "uint16": picture.astype(np.uint16) * 257,
                 "float32": picture.astype(np.float32) / 255, "float64": picture / 255.0}[dtype]
    layout = draw(st.sampled_from(["contiguous", "transposed", "flipped", "strided", "fortran"]))
    if layout == "transposed":
        return np.swapaxes(converted, 0, 1)
    if layout == "flipped":
        return converted[::-1, ::-1]
    if layout == "strided":
        return converted[::2, ::3]
    return np.asfortranarray(converted) if layout == "fortran" else converted


@FUZZ
@given(drawings())
def test_drawn_arrays(array):
    survives(array)
