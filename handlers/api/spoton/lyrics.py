"""Spot On's lyrics and song quiz, and the admin's lyrics upload.

`GET /api/get_lyrics?spotify_url=&force_refresh=` answers `{lyrics, source, source_url}`
(plus `synced_lyrics`: the LRC text with its timestamps, or null) to a signed-in user;
`force_refresh` (true/1/yes) asks the providers again. `PUT /api/lyrics?spotify_url=` (admin)
sets a song's lyrics from a JSON body `{"lyrics": "..."}` (plain text or LRC).
`GET /api/get_song_quiz_lyrics` answers `{lyric_snippet, options: [{link, name, artist}] x3,
correct_link}`; too few songs with lyrics is 409 with a message that says so.
"""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import json_response
from handlers.api.keys import context
from handlers.api.spoton.base import spoton
from handlers.catalog.lyrics import LyricsView, get_lyrics, put_lyrics
from handlers.errors import Invalid
from handlers.quiz.questions import make_question

__all__ = ["setup_routes", "flag"]

TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})


def flag(value: str | None, name: str) -> bool:
    """A boolean query parameter (absent: false)."""
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid(f"{name} must be true or false", code=f"invalid_{name}")


def _lyrics_json(view: LyricsView) -> dict[str, object]:
    return {"lyrics": view.lyrics, "source": view.source, "source_url": view.source_url,
            "synced_lyrics": view.synced}


async def lyrics(request: web.Request) -> web.Response:
    await require_principal(request, "User not authenticated")
    view = await get_lyrics(context(request), request.query.get("spotify_url"),
                            flag(request.query.get("force_refresh"), "force_refresh"))
    return json_response(_lyrics_json(view))


async def set_lyrics(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    body = await read_json(request)
    text = body.get("lyrics")
    if not isinstance(text, str):
        raise Invalid("lyrics must be a string", code="invalid_lyrics")
    view = await put_lyrics(context(request), principal,
                            request.query.get("spotify_url") or body.get("spotify_url"), text)
    return json_response(_lyrics_json(view))


async def song_quiz(request: web.Request) -> web.Response:
    principal = await require_principal(request, "User not authenticated")
    question = await make_question(context(request), principal.user.id)
    return json_response({
        "lyric_snippet": question.snippet,
        "options": [{"link": o.link, "name": o.name, "artist": o.artist}
                    for o in question.options],
        "correct_link": question.options[question.correct].link})


def setup_routes(app: web.Application) -> None:
    spoton.add(app.router, "GET", "/api/get_lyrics", lyrics)
    spoton.add(app.router, "PUT", "/api/lyrics", set_lyrics)
    spoton.add(app.router, "GET", "/api/get_song_quiz_lyrics", song_quiz)
