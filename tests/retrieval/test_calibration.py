"""The calibrated score: a logistic model whose constants come from settings."""

import math

import pytest

from rag.retrieval.calibration import ScoreCalibrator
from rag.settings import RetrievalSettings


def test_calibration_is_the_documented_sigmoid():
    settings = RetrievalSettings(calibration_bias=-2.0, calibration_cosine=3.0, calibration_fused=1.0)
    assert ScoreCalibrator(settings).calibrate(0.5, 0.5) == pytest.approx(1 / (1 + math.exp(-(-2.0 + 1.5 + 0.5))))


def test_calibration_is_monotone_and_bounded():
    calibrate = ScoreCalibrator(RetrievalSettings()).calibrate
    scores = [calibrate(c, f) for c, f in ((0.1, 0.1), (0.4, 0.5), (0.7, 0.9), (1.0, 1.0))]
    assert scores == sorted(scores) and all(0.0 <= s <= 1.0 for s in scores)
    assert calibrate(1e6, 1e6) == pytest.approx(1.0) and calibrate(-1e6, -1e6) == pytest.approx(0.0)
