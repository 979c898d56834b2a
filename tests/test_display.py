"""Pictures for people: step tiles line up whatever each stage's shape."""

from __future__ import annotations

import numpy as np

from recognizer.display import square_tile


def test_tiles_of_any_shape_are_equal_squares_with_the_picture_centred_unstretched():
    tall = np.ones((300, 100), np.float32)  # float ink image, 3:1
    wide_rgb = np.full((50, 200, 3), 255, np.uint8)  # colour photo, 1:4
    tiles = [square_tile(tall, 120), square_tile(wide_rgb, 120)]
    assert [tile.shape[:2] for tile in tiles] == [(120, 120), (120, 120)]
    assert tiles[0].dtype == tiles[1].dtype == np.uint8
    inked_columns = np.flatnonzero(tiles[0].any(axis=0))
    assert (inked_columns.min(), inked_columns.max()) == (40, 79)  # 40 px wide, centred: aspect kept
    inked_rows = np.flatnonzero(tiles[1].any(axis=(1, 2)))
    assert (inked_rows.min(), inked_rows.max()) == (45, 74)
