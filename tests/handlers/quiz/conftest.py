"""The quiz tests play with the real centrifuge-python SDK: the realtime tests' `sdk` fixture."""

from __future__ import annotations

from tests.hub.realtime.conftest import sdk

__all__ = ["sdk"]
