"""What a client connection writes to: a websocket, an SSE stream or an HTTP stream.

Writes are synchronous and never wait: bytes go to the socket's buffer, and the caller checks
`buffered()` against the queue limit (a client that stops reading is disconnected as slow).
"""

from __future__ import annotations

from functools import cached_property
from typing import Protocol

from hub.realtime import protocol_pb
from hub.realtime.protocol import Push, encode_push_body, ws_push, ws_text_frame

__all__ = ["PushFrames", "Transport"]


class PushFrames:
    """One push, encoded once per encoding and framed once per transport kind, each on first
    use: a channel whose subscribers all speak JSON never encodes protobuf, and the reverse."""

    __slots__ = ("push", "__dict__")

    def __init__(self, push: Push) -> None:
        self.push = push

    @classmethod
    def of_body(cls, body: bytes) -> PushFrames:
        """Frames around a JSON body encoded elsewhere (a ping on a one-way transport)."""
        frames = cls(Push())
        frames.__dict__["body"] = body
        return frames

    @cached_property
    def body(self) -> bytes:
        """The push in JSON."""
        return encode_push_body(self.push)

    @cached_property
    def ws(self) -> bytes:
        return ws_text_frame(ws_push(self.body))

    @cached_property
    def ws_protobuf(self) -> bytes:
        return protocol_pb.ws_binary_frame(protocol_pb.encode_push(self.push))

    @cached_property
    def sse(self) -> bytes:
        return b"data: " + self.body + b"\n\n"

    @cached_property
    def stream(self) -> bytes:
        return self.body + b"\n"


class Transport(Protocol):
    @property
    def name(self) -> str:
        """The transport's name in the protocol ("websocket", "uni_sse", ...)."""

    @property
    def bidirectional(self) -> bool:
        """Whether the client sends commands over it (and so answers pings)."""

    def write_push(self, frames: PushFrames) -> None:
        """Queue a push framed for this transport."""

    def write_reply(self, payload: bytes) -> None:
        """Queue one protocol message (reply, or a ping), encoded by the client's codec."""

    def buffered(self) -> int:
        """Bytes queued and not yet taken by the peer."""

    def close(self, code: int, reason: str) -> None:
        """Tell the peer why (close frame or disconnect push) and end the connection; never
        blocks."""
