"""The ONNX Runtime engine: the exported model, served without TensorFlow.

The export (written and verified against Keras by `recognizer/training/export.py`) holds the
whole forward pass, temperature and softmax included, so its outputs are the calibrated
probabilities. ONNX Runtime imports in a fraction of a second and needs tens of MB where
TensorFlow needs seconds and hundreds of MB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

from recognizer.model import CLASS_NAMES, INPUT_SHAPE, NUM_CLASSES, EngineName


def one_thread_per_call() -> onnxruntime.SessionOptions:
    """Each call runs on one core: for one small picture, splitting the work across cores costs
    more in hand-offs than it saves, and concurrent sessions (or the batch CLI's workers) then
    use the cores side by side. `run` releases the GIL, so threads do run in parallel."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


class OnnxModel:
    """A loaded ONNX export, float or int8; thread-safe (ONNX Runtime sessions allow concurrent `run`)."""

    def __init__(self, session: onnxruntime.InferenceSession, version: str, name: EngineName) -> None:
        self.session = session
        self.version = version  # which model answered: stored with every corrected sample
        self.name = name
        self._input = session.get_inputs()[0].name

    @classmethod
    def load(cls, path: Path, version: str, name: EngineName = EngineName.ONNX) -> OnnxModel:
        session = onnxruntime.InferenceSession(str(path), one_thread_per_call(), providers=["CPUExecutionProvider"])
        outputs = session.get_outputs()[0].shape[-1]
        if outputs != NUM_CLASSES:
            raise ValueError(f"{path} answers {outputs} classes, not the {NUM_CLASSES} of "
                             f"{', '.join(CLASS_NAMES)}; export it again with train.py")
        return cls(session, version, name)

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """`(N, 28, 28, 1)` float32 in [0, 1] -> `(N, NUM_CLASSES)` float64 softmax rows."""
        inputs = np.ascontiguousarray(batch, np.float32).reshape(-1, *INPUT_SHAPE)
        return self.session.run(None, {self._input: inputs})[0].astype(np.float64)
