"""Delays between attempts to reach a server that went away."""

from __future__ import annotations

from hub.realtime.backoff import backoff_delay


def test_delays_double_with_jitter_in_the_upper_half_up_to_the_cap():
    lowest = [backoff_delay(n, base=0.1, cap=5.0, rand=lambda: 0.0) for n in range(8)]
    highest = [backoff_delay(n, base=0.1, cap=5.0, rand=lambda: 1.0) for n in range(8)]
    assert highest == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert lowest == [d / 2 for d in highest]  # never immediate, never in step


def test_a_very_late_attempt_still_waits_the_cap():
    assert 2.5 <= backoff_delay(10_000) <= 5.0
