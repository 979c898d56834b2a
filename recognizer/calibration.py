"""Calibration: make "90% sure" mean right 9 times out of 10.

A network trained with cross-entropy is over-confident on what it has not seen. Temperature
scaling (Guo et al., 2017) divides the logits by one number T, fitted on held-out data by
minimizing the negative log-likelihood; it changes no answer, only how sure each answer is.
Expected calibration error (ECE) measures the gap between confidence and accuracy.
"""

from __future__ import annotations

import keras
import numpy as np

TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 601))  # a 0.6% grid is finer than it matters


def logits_of(model: keras.Model, inputs: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The pre-temperature logits `(N, classes)` for model inputs `(N, 28, 28, 1)`."""
    logits_model = keras.Model(model.inputs[0], model.get_layer("logits").output)
    return np.concatenate([np.asarray(logits_model(inputs[i : i + batch_size], training=False))
                           for i in range(0, len(inputs), batch_size)]).astype(np.float64)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    scaled = logits / temperature
    top = scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_norm - scaled[np.arange(len(labels)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature with the lowest NLL on held-out data (a 1-D problem: a fine grid is exact enough)."""
    losses = [negative_log_likelihood(logits, labels, t) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def set_temperature(model: keras.Model, temperature: float) -> None:
    """Store T in the model (its `temperature` layer multiplies the logits by 1 / T)."""
    model.get_layer("temperature").scale = 1.0 / temperature


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE with equal-width confidence bins: the sample-weighted mean |accuracy - confidence|."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)
