"""Song quiz questions: a snippet of 2-4 consecutive lines of a song's lyrics that names
neither the title nor any of its words, and three options (the song and two distractors).

Distractors are tracks by other artists with another title, taken in turn from: the song's
genres, the artists the player listens to most, and the whole catalog. A title's words are
its words of two letters or more outside STOP_WORDS, once the parts in brackets ("(Live)",
"- Remastered 2011") are dropped; a line that contains one of them is never in a snippet.
"""

from __future__ import annotations

import random
import re

from handlers.catalog.lrc import plain_lines
from handlers.context import Context
from handlers.errors import Conflict
from store.records import CatalogItem
from workers.quiz_room import QuizOption, QuizQuestion

__all__ = ["make_question", "title_words", "snippet_of",
           "MIN_LINES", "MAX_LINES", "OPTIONS", "STOP_WORDS"]

MIN_LINES, MAX_LINES = 2, 4
OPTIONS = 3
SONG_TRIES = 8  # songs tried before giving up on finding a snippet
STOP_WORDS = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "and", "or", "is", "it", "be", "i", "me",
    "my", "you", "your", "we", "us", "he", "she", "his", "her", "they", "for", "with", "by",
    "from", "up", "so", "no", "oh", "do", "am", "are", "as", "if", "all"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_DECORATION = re.compile(r"\s*(\(.*?\)|\[.*?\]|\s-\s.*$)")


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def title_words(title: str) -> set[str]:
    """The words of a title that a snippet may not contain."""
    core = _DECORATION.sub("", title).strip() or title
    return {w for w in _words(core) if len(w) >= 2 and w not in STOP_WORDS}


def snippet_of(lyrics: str, title: str, rng: random.Random) -> str | None:
    """2-4 consecutive lines of `lyrics` with no word of the title, picked at random; None when
    the lyrics have no such run of two lines."""
    banned = title_words(title)
    lines = list(dict.fromkeys(plain_lines(lyrics)))  # a repeated chorus counts once
    clean = [not banned.intersection(_words(line)) and len(_words(line)) >= 2 for line in lines]
    runs: list[tuple[int, int]] = []  # (start, length) of the longest clean run at each start
    for start in range(len(lines)):
        length = 0
        while start + length < len(lines) and clean[start + length] and length < MAX_LINES:
            length += 1
        if length >= MIN_LINES:
            runs.append((start, length))
    if not runs:
        return None
    start, longest = rng.choice(runs)
    size = rng.randint(MIN_LINES, longest)
    return "\n".join(lines[start:start + size])


def _option(item: CatalogItem) -> QuizOption:
    return QuizOption(link=item.url, name=item.name,
                      artist=", ".join(item.artist_names) or "Unknown artist")


def _fits(candidate: CatalogItem, chosen: list[CatalogItem]) -> bool:
    """A distractor by another artist with another title than every option so far."""
    if not candidate.name or not candidate.artist_names:
        return False
    for item in chosen:
        if candidate.id == item.id or candidate.name.casefold() == item.name.casefold():
            return False
        if {a.casefold() for a in candidate.artist_names} & {a.casefold()
                                                              for a in item.artist_names}:
            return False
    return True


async def _pools(ctx: Context, song: CatalogItem, player_id: int | None
                 ) -> list[list[CatalogItem]]:
    """Candidate distractors, most plausible first."""
    pools: list[list[CatalogItem]] = []
    search = ctx.store.catalog_search
    for genre in song.genres[:2]:
        pools.append(await search.sample(["track"], genre=genre, limit=20))
    if player_id is not None:
        artists, _ = await ctx.store.listens.top(player_id, "artist", limit=5)
        for artist in artists:
            found, _ = await search.by_artist(artist.key, ["track"], limit=5)
            pools.append(found)
    pools.append(await search.sample(["track"], limit=40))
    return pools


async def _distractors(ctx: Context, song: CatalogItem, player_id: int | None,
                       rng: random.Random) -> list[CatalogItem] | None:
    chosen = [song]
    for pool in await _pools(ctx, song, player_id):
        rng.shuffle(pool)
        for candidate in pool:
            if len(chosen) == OPTIONS:
                return chosen[1:]
            if _fits(candidate, chosen):
                chosen.append(candidate)
    return chosen[1:] if len(chosen) == OPTIONS else None


def _too_few(songs: int) -> Conflict:
    return Conflict(
        f"Not enough songs for a quiz: it needs a song whose lyrics have {MIN_LINES} lines "
        f"without its title and {OPTIONS} tracks by different artists; Chorus knows "
        f"{songs} song(s) with lyrics", code="not_enough_songs")


async def make_question(ctx: Context, player_id: int | None = None, *,
                        exclude: frozenset[int] = frozenset(),
                        rng: random.Random | None = None) -> QuizQuestion:
    """A new question (about none of the `exclude` catalog ids when it can be helped).

    Raises:
        Conflict: `not_enough_songs` when no song with usable lyrics and two distractors exists.
    """
    rng = rng or random.Random()
    ids = await ctx.store.lyrics.sample(SONG_TRIES, exclude=sorted(exclude))
    if not ids and exclude:
        ids = await ctx.store.lyrics.sample(SONG_TRIES)  # every song asked already: repeat
    songs = await ctx.store.catalog.many(ids)
    for song_id in ids:
        song, lyrics = songs.get(song_id), await ctx.store.lyrics.get(song_id)
        if song is None or lyrics is None or not song.name:
            continue
        snippet = snippet_of(lyrics.plain, song.name, rng)
        others = None if snippet is None else await _distractors(ctx, song, player_id, rng)
        if snippet is None or others is None:
            continue
        options = [song, *others]
        rng.shuffle(options)
        return QuizQuestion(snippet=snippet, options=[_option(o) for o in options],
                            correct=options.index(song), catalog_id=song.id)
    raise _too_few(await ctx.store.lyrics.count())
