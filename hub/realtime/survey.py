"""Asking every process of the hub what it serves now (after centrifuge's survey): the asker
sends a `stats` control message and collects the `stats_reply` each other process sends back
on the control channel, until every process it knows of has answered or SURVEY_TIMEOUT
passed. The server API's `info` and `channels` answer with these fresh figures."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field

from hub.realtime import control
from hub.realtime.broker import Broker, NodeInfo

__all__ = ["Survey", "SURVEY_TIMEOUT"]

SURVEY_TIMEOUT = 1.0  # seconds to wait for processes that do not answer (dead, or slow)


@dataclass
class _Asked:
    expected: set[str]
    answers: dict[str, NodeInfo] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Survey:
    """The surveys one process has under way."""

    def __init__(self, timeout: float = SURVEY_TIMEOUT) -> None:
        self.timeout = timeout
        self._asked: dict[str, _Asked] = {}

    async def ask(self, broker: Broker, origin: str, expected: set[str]) -> dict[str, NodeInfo]:
        """Every other process's stats by uid: those in `expected` and any other that answers
        in time (raises BrokerUnavailable when the question cannot be sent)."""
        survey = uuid.uuid4().hex
        asked = self._asked[survey] = _Asked(expected)
        try:
            await broker.publish_control(control.encode(
                control.Control("stats", "", origin=origin, survey=survey)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asked.done.wait(), self.timeout)
        finally:
            del self._asked[survey]
        return asked.answers

    def answer(self, command: control.Control) -> None:
        """A `stats_reply` arrived (for one of this process's surveys, or another's)."""
        asked = self._asked.get(command.survey)
        if asked is None or command.stats is None:
            return
        asked.answers[command.stats.uid] = command.stats
        if asked.expected <= asked.answers.keys():
            asked.done.set()
