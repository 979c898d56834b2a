"""Property-based fuzzing of decode + preprocess: whatever the bytes or the array, the only
exception is `InputError`, and no input takes longer than a second."""

from __future__ import annotations

import contextlib
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from recognizer import InputError
from recognizer.decode import load_image
from recognizer.preprocess import preprocess

FUZZ = settings(max_examples=250, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow])


def seed_files() -> list[bytes]:
    """Valid small pictures in several formats, to be mutated into almost-valid ones."""
    picture = Image.new("RGB", (40, 30), "white")
    picture.paste((0, 0, 0), (10, 5, 14, 25))
    files = []
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
        buffer = io.BytesIO()
        picture.save(buffer, format=fmt)
        files.append(buffer.getvalue())
    return files


SEEDS = seed_files()


def decode_and_preprocess(source) -> None:
    with contextlib.suppress(InputError):  # the one allowed refusal; anything else fails the test
        preprocess(load_image(source))


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    decode_and_preprocess(data)


@FUZZ
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12),
       st.integers(1, 10**6))
def test_mutated_image_files(seed, flips, keep):
    data = bytearray(seed[:keep])
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    decode_and_preprocess(bytes(data))


ARRAY_DTYPES = st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_])


@FUZZ
@given(hnp.arrays(ARRAY_DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=300),
                  elements=None))
def test_random_arrays(array):
    decode_and_preprocess(array)
