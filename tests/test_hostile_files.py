"""A public upload box gets everything. Each broken or hostile input, generated here, gets the
exact outcome: a clear `InputError` written for a person, or a correct answer. Nothing else may
escape, because the app and the CLI catch `InputError` alone."""

from __future__ import annotations

import io
import re
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer import InputError, Status
from recognizer.decode import MAX_FILE_BYTES, load_image
from recognizer.verdict import ANSWERED
from tests.test_decode import encoded, rgb, seven


def png_header_only(width: int, height: int) -> bytes:
    """A valid-looking 1-bit PNG of width x height pixels, a few hundred bytes: a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 100))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def zeroed_in_the_middle(data: bytes) -> bytes:
    """The file with 40 bytes of its compressed pixels overwritten, as a bad disk or transfer leaves it."""
    middle = len(data) // 2
    return data[:middle] + b"\0" * 40 + data[middle + 40 :]


GOOD_JPEG = encoded(rgb(seven()), "JPEG")
GOOD_PNG = encoded(Image.fromarray(seven()), "PNG")
GOOD_GIF = encoded(rgb(seven()), "GIF")
NOT_AN_IMAGE = "not an image we can read"
DAMAGED = "damaged or cut short"

REFUSED = {  # file content -> a fragment of the message; each is also tried as a file named upload.png
    "zero bytes": (b"", "The file is empty"),
    "random bytes": (np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes(), NOT_AN_IMAGE),
    "PDF named like a PNG": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", NOT_AN_IMAGE),
    "plain text": (b"hello, I am definitely a picture of a 7\n", NOT_AN_IMAGE),
    "SVG": (b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><text>7</text></svg>',
            NOT_AN_IMAGE),
    "HTML": (b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>", NOT_AN_IMAGE),
    "PNG signature only": (GOOD_PNG[:8], NOT_AN_IMAGE),
    "truncated JPEG": (GOOD_JPEG[: len(GOOD_JPEG) // 3], DAMAGED),
    "truncated PNG": (GOOD_PNG[: len(GOOD_PNG) // 2], DAMAGED),
    "truncated GIF": (GOOD_GIF[: len(GOOD_GIF) // 2], DAMAGED),
    "PNG with too few pixels in its data": (png_header_only(100, 100), DAMAGED),
    "AVIF with corrupted pixels": (zeroed_in_the_middle(encoded(rgb(seven()), "AVIF")), DAMAGED),
    "decompression bomb 20000 x 20000": (png_header_only(20_000, 20_000), "at most 60 megapixels"),
    "decompression bomb 100000 x 100000": (png_header_only(100_000, 100_000), "at most 60 megapixels"),
    "bomb 9000 x 9000 (Pillow only warns)": (png_header_only(9000, 9000), "9000 x 9000 pixels. Pictures may"),
    "1 x 5000 strip": (encoded(Image.new("L", (1, 5000), 255), "PNG"), "only 1 x 5000 pixels"),
    "50 x 5000 strip": (encoded(Image.new("L", (50, 5000), 255), "PNG"), "too long and narrow"),
    "7 x 7 icon": (encoded(Image.new("L", (7, 7), 0), "PNG"), "only 7 x 7 pixels"),
    "ICO (a real image, format not allowed)": (encoded(rgb(seven(64)), "ICO"), "ICO files are not supported"),
    "PCX (a real image, format not allowed)": (encoded(rgb(seven(64)), "PCX"), "PCX files are not supported"),
    "one byte over the size limit": (b"\xff\xd8" + b"\0" * (MAX_FILE_BYTES - 1), "30.1 MB; the limit is 30 MB"),
}


def assert_written_for_people(message: str) -> None:
    """A sentence, not a traceback, an exception name, an object's repr or a file descriptor."""
    assert message[0].isupper() and message.endswith("."), message
    assert not re.search(r"Traceback|Error|Exception|<|object at|0x|errno|bytes-like|NoneType", message), message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("delivery", ["bytes", "file named upload.png"])
@pytest.mark.parametrize("case", REFUSED)
def test_broken_and_hostile_files_are_refused_clearly(recognizer, tmp_path, case, delivery):
    data, fragment = REFUSED[case]
    source = data
    if delivery != "bytes":
        source = tmp_path / "upload.png"
        source.write_bytes(data)
    with pytest.raises(InputError, match=re.escape(fragment)) as refusal:
        recognizer.recognize(source)
    assert_written_for_people(str(refusal.value))


OTHER_SOURCES = {
    "a missing file": (lambda tmp_path: tmp_path / "missing.png", "There is no file at"),
    "a folder": (lambda tmp_path: tmp_path, "There is no file at"),
    "a file opened as text": (lambda tmp_path: io.StringIO("7"), "open pictures in binary mode"),
    "None": (lambda tmp_path: None, "Cannot read an image from a NoneType"),
    "a dict": (lambda tmp_path: {"not": "an image"}, "Cannot read an image from a dict"),
    "a closed PIL image": (lambda tmp_path: closed(Image.open(io.BytesIO(GOOD_PNG))), DAMAGED),
    "a PIL image of 5000 x 50": (lambda tmp_path: Image.new("L", (5000, 50)), "too long and narrow"),
}


def closed(image: Image.Image) -> Image.Image:
    image.close()
    return image


@pytest.mark.parametrize("case", OTHER_SOURCES)
def test_wrong_kinds_of_source_are_refused_clearly(recognizer, tmp_path, case):
    make, fragment = OTHER_SOURCES[case]
    with pytest.raises(InputError, match=re.escape(fragment)):
        recognizer.recognize(make(tmp_path))


def test_an_oversized_file_object_is_not_read_whole():
    """An upload stream is read up to one byte past the limit, never to its (maybe endless) end."""
    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    with pytest.raises(InputError, match="the limit is 30 MB"):
        load_image(io.BufferedReader(Endless()))


def nan_in_one_pixel() -> np.ndarray:
    array = seven().astype(np.float32) / 255
    array[100, 100] = np.nan
    return array


BAD_ARRAYS = {
    "NaN everywhere": (np.full((50, 50), np.nan, np.float32), "contains NaN or infinite values"),
    "NaN in one pixel": (nan_in_one_pixel(), "contains NaN or infinite values"),
    "-inf": (np.full((50, 50), -np.inf), "contains NaN or infinite values"),
    "floats above 1": (np.full((50, 50), 7.0), "values in [0, 1]"),
    "negative floats": (np.full((50, 50), -0.5), "values in [0, 1]"),
    "complex": (np.zeros((50, 50), np.complex64), "type complex64 are not supported"),
    "objects": (np.full((50, 50), None, object), "type object are not supported"),
    "int64 objects": (np.zeros((50, 50), np.int64).astype(object), "type object are not supported"),
    "int64": (np.zeros((50, 50), np.int64), "type int64 are not supported"),
    "strings": (np.full((50, 50), "7"), "are not supported"),
    "0-D": (np.array(7, np.uint8), "got shape ()"),
    "1-D (5,)": (np.zeros(5, np.uint8), "got shape (5,)"),
    "two channels (10, 10, 2)": (np.zeros((10, 10, 2), np.uint8), "got shape (10, 10, 2)"),
    "five channels": (np.zeros((50, 50, 5), np.uint8), "got shape (50, 50, 5)"),
    "4-D batch": (np.zeros((2, 20, 20, 3), np.uint8), "got shape (2, 20, 20, 3)"),
    "empty (0, 0)": (np.zeros((0, 0), np.uint8), "only 0 x 0 pixels"),
    "empty (0, 50, 3)": (np.zeros((0, 50, 3), np.uint8), "only 50 x 0 pixels"),
    "7 x 7": (np.zeros((7, 7), np.uint8), "only 7 x 7 pixels"),
    "strip 8 x 5000": (np.zeros((8, 5000), np.uint8), "too long and narrow"),
}


@pytest.mark.parametrize("case", BAD_ARRAYS)
def test_bad_arrays_are_refused_clearly(recognizer, case):
    array, fragment = BAD_ARRAYS[case]
    with pytest.raises(InputError, match=re.escape(fragment)):
        recognizer.recognize(array)


BLANK = {
    "black PNG": lambda: encoded(Image.new("L", (300, 300), 0), "PNG"),
    "white PNG": lambda: encoded(Image.new("L", (300, 300), 255), "PNG"),
    "grey PNG": lambda: encoded(Image.new("L", (300, 300), 128), "PNG"),
    "beige JPEG": lambda: encoded(Image.new("RGB", (400, 300), (230, 215, 180)), "JPEG"),
    "fully transparent PNG": lambda: encoded(Image.new("RGBA", (300, 300), (0, 0, 0, 0)), "PNG"),
    "empty canvas array": lambda: np.zeros((280, 280, 4), np.uint8),
    "uniform 16-bit PNG": lambda: encoded(Image.fromarray(np.full((100, 100), 40000, np.uint16)), "PNG"),
    "8 x 8 white": lambda: encoded(Image.new("L", (8, 8), 255), "PNG"),
}


@pytest.mark.parametrize("case", BLANK)
def test_blank_pictures_are_empty_not_errors(recognizer, case):
    result = recognizer.recognize(BLANK[case]())
    assert (result.status, result.digit) == (Status.EMPTY, None)


def tiny_seven(side: int) -> np.ndarray:
    """A 7 filling a side x side picture, shrunk the way a thumbnail is (area averaging)."""
    return cv2.resize(seven()[20:180, 20:180], (side, side), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("side", [8, 12, 20])
def test_tiny_pictures_the_gate_admits_are_read(recognizer, side):
    """The gate admits 8 x 8 (MIN_SIDE) and says a digit needs that much, so such a digit must be read
    (before thumbnails were enlarged, anything under ~16 px came back blank). In 8 pixels a 7 may
    honestly be "unsure", but it must be named."""
    result = recognizer.recognize(tiny_seven(side))
    assert result.digit == 7 and result.status in ANSWERED


def test_a_broken_file_does_not_stop_the_others(recognizer):
    results = recognizer.recognize_many([GOOD_PNG, b"garbage", png_header_only(20_000, 20_000), GOOD_JPEG,
                                         encoded(Image.new("L", (300, 300), 255), "PNG")])
    assert [(r.status, r.digit) for r in results] == [
        (Status.DIGIT, 7), (Status.ERROR, None), (Status.ERROR, None), (Status.DIGIT, 7), (Status.EMPTY, None)]
    assert NOT_AN_IMAGE in results[1].message and "megapixels" in results[2].message
