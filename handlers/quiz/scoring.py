"""The points of one answer (stated in the README's "Quiz protocol"):

    correct answer: 500 + round(500 x seconds left / seconds of the round)   (500 to 1000)
    wrong answer or none: 0

so a right answer at once is worth twice a right answer at the buzzer.
"""

from __future__ import annotations

__all__ = ["points", "BASE_POINTS", "SPEED_POINTS"]

BASE_POINTS = 500
SPEED_POINTS = 500


def points(correct: bool, seconds_left: float, seconds: float) -> int:
    if not correct:
        return 0
    share = min(1.0, max(0.0, seconds_left / seconds)) if seconds > 0 else 0.0
    return BASE_POINTS + round(SPEED_POINTS * share)
