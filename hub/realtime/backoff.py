"""How long to wait before the next attempt to reach a server that went away."""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["backoff_delay"]


def backoff_delay(attempt: int, base: float = 0.1, cap: float = 5.0,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt` (0 first): capped exponential with "equal
    jitter", a random point in the upper half of min(cap, base * 2**attempt), so processes
    cut off together do not come back in step, and no retry is immediate."""
    ceiling = min(cap, base * 2 ** min(attempt, 32))
    return ceiling / 2 + rand() * ceiling / 2
