"""The quiz tests play with the real centrifuge-python SDK: the realtime tests' `sdk` fixture,
in both protocol encodings (bots on a mobile SDK speak protobuf)."""

from __future__ import annotations

from tests.hub.realtime.conftest import encoding, sdk

__all__ = ["encoding", "sdk"]
