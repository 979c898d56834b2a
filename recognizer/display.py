"""Pictures for people: stage images as 8-bit, the model input as a pixel grid, thumbnails.

The app shows these; keeping the conversions here leaves `app.py` free of image math.
"""

from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from PIL import Image

GRID_COLOUR = 70  # grey lines between enlarged pixels: visible on black and on white


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] or uint8 image -> uint8, for display."""
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def pixel_grid(model_input: np.ndarray, cell: int = 12) -> np.ndarray:
    """The 28x28 model input enlarged `cell` times without smoothing, with a 1-pixel grid,
    so every one of the 784 numbers the model sees is a visible square."""
    big = cv2.resize(to_uint8(model_input), None, fx=cell, fy=cell, interpolation=cv2.INTER_NEAREST)
    big[::cell, :] = GRID_COLOUR
    big[:, ::cell] = GRID_COLOUR
    return big


def thumbnail_data_uri(image: np.ndarray, side: int = 64) -> str:
    """A small PNG as a data: URI, for image columns in tables."""
    picture = Image.fromarray(to_uint8(image))
    picture.thumbnail((side, side))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def square_tile(image: np.ndarray, side: int = 160) -> np.ndarray:
    """Any stage image (grey or colour, uint8 or float) letterboxed onto a black `side` x `side`
    square, aspect ratio kept: a strip of tiles then lines up, whatever each stage's shape."""
    picture = to_uint8(image)
    height, width = picture.shape[:2]
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = cv2.resize(picture, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    tile = np.zeros((side, side, *picture.shape[2:]), np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    tile[top : top + size[1], left : left + size[0]] = fitted
    return tile
