"""Any OpenAI-compatible chat endpoint (OpenAI, a local llama.cpp / Ollama / vLLM server):
`POST {base}/chat/completions` with `{model, messages}`; the answer's
`choices[0].message.content` is the text."""

from __future__ import annotations

import httpx
import msgspec

__all__ = ["ChatConfig", "ChatUnavailable", "complete_chat"]

TIMEOUT = 30.0


class ChatConfig(msgspec.Struct, frozen=True, kw_only=True):
    base_url: str  # e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1
    api_key: str = ""
    model: str

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


class ChatUnavailable(Exception):
    """The endpoint could not be asked or answered no text."""


class _ChatMessage(msgspec.Struct):
    content: str | None = None


class _Choice(msgspec.Struct):
    message: _ChatMessage


class _ChatAnswer(msgspec.Struct):
    choices: list[_Choice]


async def complete_chat(http: httpx.AsyncClient, config: ChatConfig, system: str, user: str,
                        *, max_tokens: int = 200) -> str:
    """The assistant's answer to one system + user exchange.

    Raises:
        ChatUnavailable: unreachable, an error status, or no text in the answer.
    """
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    body = {"model": config.model, "max_tokens": max_tokens, "temperature": 0.7,
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": user}]}
    try:
        answer = await http.post(f"{config.base_url.rstrip('/')}/chat/completions", json=body,
                                 headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise ChatUnavailable(f"chat endpoint: {type(exc).__name__}") from exc
    if answer.status_code != 200:
        raise ChatUnavailable(f"chat endpoint answered {answer.status_code}")
    try:
        decoded = msgspec.json.decode(answer.content, type=_ChatAnswer)
    except msgspec.DecodeError as exc:
        raise ChatUnavailable(f"chat endpoint answered no completion: {exc}") from exc
    text = (decoded.choices[0].message.content or "").strip() if decoded.choices else ""
    if not text:
        raise ChatUnavailable("chat endpoint answered an empty completion")
    return text
