"""A fake OpenAI-compatible chat endpoint: `POST /v1/chat/completions` with a bearer key
answers the chat.completion object (`choices[0].message.content`) quoting the user message's
`name`; a wrong key is 401 with OpenAI's error object."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakeChat", "make_chat_app", "CHAT_KEY"]

CHAT_KEY = "sk-test"


@dataclass
class FakeChat:
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None


state_key = web.AppKey("chat_state", FakeChat)


async def completions(request: web.Request) -> web.Response:
    state = request.app[state_key]
    if request.headers.get("Authorization") != f"Bearer {CHAT_KEY}":
        return web.json_response({"error": {"message": "Incorrect API key provided",
                                            "type": "invalid_request_error",
                                            "code": "invalid_api_key"}}, status=401)
    body = await request.json()
    state.requests.append(body)
    if state.status is not None:
        return web.json_response({"error": {"message": "overloaded", "type": "server_error"}},
                                 status=state.status)
    facts = json.loads(body["messages"][-1]["content"])
    text = f"{facts['name']} is a {facts['type']} by {', '.join(facts['artists'])}."
    return web.json_response({
        "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})


def make_chat_app(state: FakeChat) -> web.Application:
    app = web.Application()
    app[state_key] = state
    app.router.add_post("/v1/chat/completions", completions)
    return app
