"""A public upload box gets everything. Each broken or hostile input, generated here, gets the
exact outcome: a clear `InputError`, or a correct answer. Nothing else may escape."""

from __future__ import annotations

import io
import struct
import tomllib
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer import InputError, Status
from recognizer.decode import MAX_FILE_BYTES, load_image
from tests.conftest import ROOT


def seven(size: int = 200) -> np.ndarray:
    picture = np.full((size, size), 255, np.uint8)
    cv2.line(picture, (size // 4, size // 5), (3 * size // 4, size // 5), 0, size // 15)
    cv2.line(picture, (3 * size // 4, size // 5), (2 * size // 5, 4 * size // 5), 0, size // 15)
    return picture


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels: a decompression bomb's calling card."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 100))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


GOOD_JPEG = encoded(Image.fromarray(seven()), "JPEG")
GOOD_PNG = encoded(Image.fromarray(seven()), "PNG")

REFUSED = {
    "zero bytes": (b"", "empty"),
    "random bytes": (np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes(), "not an image"),
    "PDF named like a PNG": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "not an image"),
    "plain text": (b"hello, I am definitely a picture of a 7", "not an image"),
    "SVG": (b'<svg xmlns="http://www.w3.org/2000/svg"><text>7</text></svg>', "not an image"),
    "truncated JPEG": (GOOD_JPEG[: len(GOOD_JPEG) // 3], "damaged"),
    "truncated PNG": (GOOD_PNG[: len(GOOD_PNG) // 2], "damaged"),
    "decompression bomb 20000x20000": (png_header_only(20_000, 20_000), "megapixels"),
    "decompression bomb 100000x100000": (png_header_only(100_000, 100_000), "megapixels"),
    "1 x 5000 strip": (encoded(Image.new("L", (1, 5000), 255), "PNG"), "pixels"),
    "50 x 5000 strip": (encoded(Image.new("L", (50, 5000), 255), "PNG"), "too long and narrow"),
    "4 x 4 icon-sized": (encoded(Image.new("L", (4, 4), 0), "PNG"), "only 4 x 4"),
    "ICO (format not allowed)": (encoded(Image.new("RGB", (32, 32)), "ICO"), "ICO files are not supported"),
    "PCX (format not allowed)": (encoded(Image.new("RGB", (32, 32)), "PCX"), "not supported"),
    "too many bytes": (b"\xff\xd8" + b"\0" * (MAX_FILE_BYTES + 10), "the limit is 30 MB"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_broken_and_hostile_files_are_refused_clearly(recognizer, case):
    data, fragment = REFUSED[case]
    with pytest.raises(InputError, match=fragment) as refusal:
        recognizer.recognize(data)
    assert "Traceback" not in str(refusal.value) and str(refusal.value)[0].isupper()


BAD_ARRAYS = {
    "NaN": (np.full((50, 50), np.nan, np.float32), "NaN"),
    "infinite": (np.full((50, 50), np.inf), "NaN or infinite"),
    "floats above 1": (np.full((50, 50), 7.0), r"\[0, 1\]"),
    "complex": (np.zeros((50, 50), np.complex64), "not supported"),
    "objects": (np.full((50, 50), None, object), "not supported"),
    "int64": (np.zeros((50, 50), np.int64), "not supported"),
    "1-D": (np.zeros(5, np.uint8), "shape"),
    "two channels": (np.zeros((10, 10, 2), np.uint8), "shape"),
    "empty": (np.zeros((0, 0), np.uint8), "outside the supported size"),
    "4-D": (np.zeros((2, 20, 20, 3), np.uint8), "shape"),
}


@pytest.mark.parametrize("case", BAD_ARRAYS)
def test_bad_arrays_are_refused_clearly(recognizer, case):
    array, fragment = BAD_ARRAYS[case]
    with pytest.raises(InputError, match=fragment):
        recognizer.recognize(array)


@pytest.mark.parametrize("value", [0, 255, 128])
def test_uniform_pictures_are_empty_not_errors(recognizer, value):
    assert recognizer.recognize(encoded(Image.new("L", (300, 300), value), "PNG")).status == Status.EMPTY


def rgb_seven() -> Image.Image:
    return Image.fromarray(seven()).convert("RGB")


READABLE = {
    "JPEG": lambda: encoded(rgb_seven(), "JPEG"),
    "CMYK JPEG": lambda: encoded(rgb_seven().convert("CMYK"), "JPEG"),
    "PNG palette": lambda: encoded(rgb_seven().convert("P"), "PNG"),
    "PNG 16-bit grey": lambda: encoded(Image.fromarray(seven().astype(np.uint16) * 257), "PNG"),
    "PNG grey + alpha": lambda: encoded(rgb_seven().convert("LA"), "PNG"),
    "PNG transparent, ink in alpha": lambda: encoded(Image.fromarray(np.dstack([np.zeros((200, 200, 3), np.uint8),
                                                                                 255 - seven()])), "PNG"),
    "1-bit PNG": lambda: encoded(rgb_seven().convert("1"), "PNG"),
    "WebP": lambda: encoded(rgb_seven(), "WEBP"),
    "BMP": lambda: encoded(rgb_seven(), "BMP"),
    "TIFF": lambda: encoded(rgb_seven(), "TIFF"),
    "HEIC": lambda: encoded(rgb_seven(), "HEIF"),
    "animated GIF (first frame counts)": lambda: encoded(
        rgb_seven(), "GIF", save_all=True, append_images=[Image.new("RGB", (200, 200), "white")]),
}


@pytest.mark.parametrize("case", READABLE)
def test_every_supported_format_and_mode_is_read(recognizer, case):
    assert recognizer.recognize(READABLE[case]()).digit == 7


def test_exif_rotation_is_applied(recognizer):
    """A phone stores a portrait photo sideways plus an EXIF note; the note must be obeyed."""
    sideways = rgb_seven().transpose(Image.Transpose.ROTATE_90)  # what the sensor stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    upright = recognizer.recognize(encoded(rgb_seven(), "JPEG")).model_input
    obeyed = recognizer.recognize(encoded(sideways, "JPEG", exif=exif)).model_input
    ignored = recognizer.recognize(encoded(sideways, "JPEG")).model_input
    assert np.abs(obeyed - upright).mean() < 0.02 < np.abs(ignored - upright).mean()


def test_every_input_type_is_accepted(recognizer, tmp_path):
    path = tmp_path / "seven.png"
    path.write_bytes(GOOD_PNG)
    sources = [path, str(path), GOOD_PNG, bytearray(GOOD_PNG), io.BytesIO(GOOD_PNG), Image.open(path), seven(),
               seven() < 128, seven().astype(np.float32) / 255, seven().astype(np.uint16) * 257,
               np.dstack([seven()] * 3), seven()[..., None]]
    assert [recognizer.recognize(source).digit for source in sources] == [7] * len(sources)
    with pytest.raises(InputError, match="no file"):
        recognizer.recognize(tmp_path / "missing.png")
    with pytest.raises(InputError, match="Cannot read an image from a dict"):
        load_image({"not": "an image"})


def test_a_broken_file_does_not_stop_the_others(recognizer):
    results = recognizer.recognize_many([GOOD_PNG, b"garbage", GOOD_JPEG])
    assert [r.status for r in results] == [Status.DIGIT, Status.ERROR, Status.DIGIT]
    assert "not an image" in results[1].message


def test_streamlit_upload_limit_matches_the_input_gate():
    """Streamlit refuses bigger uploads itself, so its limit and ours must say the same."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_FILE_BYTES
