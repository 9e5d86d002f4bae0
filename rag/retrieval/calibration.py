"""The calibrated relevance score of a paper: a logistic model over two retrieval features.

The constants are fitted by ``eval/fit_fusion.py --fit`` (see docs/RETRIEVAL.md) and live in
settings, so a collection with other statistics can be refitted without a code change.
"""

from __future__ import annotations

import math

from rag.settings import RetrievalSettings


class ScoreCalibrator:
    """sigmoid(bias + w_cos * best dense cosine + w_fused * normalised fused score), constants in settings."""

    def __init__(self, settings: RetrievalSettings):
        self.settings = settings

    def calibrate(self, cosine: float, fused: float) -> float:
        s = self.settings
        z = s.calibration_bias + s.calibration_cosine * cosine + s.calibration_fused * fused
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
