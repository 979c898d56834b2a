"""Accuracy on ../shared/data/real_digits (70 photos and drawings by 7 people).

Prints accuracy overall, per kind and per source, the misread files, and for contrast the
naive pipeline that resizes the whole picture to 28x28 (what most first MNIST apps do).
Usage: python bench/real_photos.py [--model PATH]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from recognizer import Recognizer
from recognizer.decode import load_image
from recognizer.model import DEFAULT_MODEL_PATH, DIGITS
from recognizer.training.shared_data import real_digits


def naive_model_input(path: Path) -> np.ndarray:
    """Grey, resized to 28x28, inverted if the paper is light: the textbook first attempt."""
    image = load_image(path)
    grey = cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return 1 - small if np.median(small) > 0.5 else small


def report(title: str, groups: dict[str, list[bool]]) -> None:
    print(title)
    for name, hits in sorted(groups.items()):
        print(f"  {name:<55} {np.mean(hits):7.1%}  ({sum(hits)}/{len(hits)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    recognizer = Recognizer.load(args.model)
    samples = real_digits()
    results = recognizer.recognize_many([s.path for s in samples])
    naive_inputs = np.stack([naive_model_input(s.path) for s in samples])[..., None]
    naive = recognizer.model.probabilities(naive_inputs)[:, :DIGITS].argmax(1)  # best digit, as a 10-class model

    by_kind, by_source = defaultdict(list), defaultdict(list)
    for sample, result in zip(samples, results, strict=True):
        hit = result.digit == sample.label
        by_kind[sample.kind].append(hit)
        by_source[sample.source].append(hit)
        if not hit:
            print(f"misread {sample.path.name}: {result.status} {result.message}")
    hits = [r.digit == s.label for s, r in zip(samples, results, strict=True)]
    print(f"real_digits accuracy: {np.mean(hits):.1%} ({sum(hits)}/{len(hits)})")
    report("per kind:", by_kind)
    report("per source:", by_source)
    naive_hits = naive == np.array([s.label for s in samples])
    print(f"naive resize-to-28x28 baseline: {naive_hits.mean():.1%} ({naive_hits.sum()}/{len(samples)})")


if __name__ == "__main__":
    main()
