"""Song quiz questions: snippets without the title, plausible distractors, and Spot On's
get_song_quiz_lyrics over HTTP."""

from __future__ import annotations

import random

from handlers.quiz.questions import snippet_of, title_words
from handlers.quiz.scoring import points
from tests.conftest import ctx_of
from tests.handlers.quiz.helpers import SONGS, member, seed_song, seed_songs

LYRICS = ("Yellow is the colour\nWe all live here\nIn a yellow submarine\nSailing on the sea\n"
          "Under the waves\nSubmarine dreams\nThe band begins to play\nOur friends are all aboard")


def test_title_words_leave_out_decorations_and_small_words() -> None:
    assert title_words("Yellow Submarine (Remastered 2009)") == {"yellow", "submarine"}
    assert title_words("Love Me Do - Mono") == {"love"}


def test_a_snippet_never_holds_a_word_of_the_title() -> None:
    banned = title_words("Yellow Submarine")
    for seed in range(50):
        snippet = snippet_of(LYRICS, "Yellow Submarine", random.Random(seed))
        assert snippet is not None
        lines = snippet.splitlines()
        assert 2 <= len(lines) <= 4
        assert "\n".join(lines) in "\n".join(LYRICS.splitlines())  # consecutive lines
        assert not any(word in banned for word in snippet.casefold().split())


def test_lyrics_full_of_the_title_give_no_snippet() -> None:
    assert snippet_of("Submarine\nYellow submarine\nOne line", "Yellow Submarine",
                      random.Random(1)) is None


def test_points_reward_correct_and_fast_answers() -> None:
    assert points(False, 10, 10) == 0
    assert points(True, 10, 10) == 1000
    assert points(True, 0, 10) == 500
    assert points(True, 5, 10) == 750


async def test_get_song_quiz_lyrics_answers_the_documented_shape(client) -> None:
    await seed_songs(client)
    who = await member(client, "ann")
    for _ in range(5):
        resp = await client.get("/api/get_song_quiz_lyrics", headers=who.auth)
        assert resp.status == 200, await resp.text()
        quiz = await resp.json()
        assert set(quiz) == {"lyric_snippet", "options", "correct_link"}
        links = [o["link"] for o in quiz["options"]]
        assert len(set(links)) == 3 and quiz["correct_link"] in links
        song = next(s for s in SONGS if s[0] in quiz["correct_link"])
        assert not title_words(song[1]) & set(quiz["lyric_snippet"].casefold().split())
        artists = [o["artist"] for o in quiz["options"]]
        assert len(set(artists)) == 3  # distractors by other artists


async def test_distractors_come_from_the_songs_genre_first(client) -> None:
    ctx = ctx_of(client)
    await seed_song(ctx, "0000000000000000000011", "Blue Monday", "New Order", "synth",
                    "How does it feel\nTo treat me like you do\nWhen you've laid your hands")
    await seed_song(ctx, "0000000000000000000012", "Tainted Love", "Soft Cell", "synth")
    await seed_song(ctx, "0000000000000000000013", "Enjoy the Silence", "Depeche Mode", "synth")
    for n in range(14, 24):
        await seed_song(ctx, f"00000000000000000000{n}", f"Polka {n}", f"Band {n}", "polka")
    who = await member(client, "ann")
    for _ in range(3):
        quiz = await (await client.get("/api/get_song_quiz_lyrics", headers=who.auth)).json()
        assert {o["name"] for o in quiz["options"]} == {"Blue Monday", "Tainted Love",
                                                        "Enjoy the Silence"}


async def test_too_few_songs_is_a_clear_409(client) -> None:
    ctx = ctx_of(client)
    await seed_song(ctx, "0000000000000000000011", "Blue Monday", "New Order", "synth",
                    "How does it feel\nTo treat me like you do")
    who = await member(client, "ann")
    resp = await client.get("/api/get_song_quiz_lyrics", headers=who.auth)
    assert resp.status == 409
    assert "Not enough songs" in (await resp.json())["error"]
