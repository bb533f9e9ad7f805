"""What people type as PostgreSQL full-text queries (store/postgres/_fts.py): prefixes of
letters and digits only, so that nothing they type is a tsquery operator."""

from __future__ import annotations

from store.postgres._fts import PgFullText, ts_query

# each has a word, and characters that mean something to to_tsquery
HOSTILE = ["coco\" OR x", "a & b | !c <-> d", "it's", "x:*A", "a:b", "ünïcödé 東京 ру", "a" * 300,
           "1.5e3", "<b>x</b>", "(x)", "x\\"]
NO_WORD = ["", "&& !! ::", "__ --", "\\", "(", "''", "—", "%_%"]


def test_every_word_is_a_quoted_prefix_and_all_must_match():
    assert ts_query("Coco  jam!") == "'Coco':* & 'jam':*"
    assert ts_query("jay-z don't") == "'jay':* & 'z':* & 'don':* & 't':*"
    assert ts_query("bobby_soulman") == "'bobby':* & 'soulman':*"


def test_no_word_means_no_query():
    assert {ts_query(text) for text in NO_WORD} == {""}


def test_words_are_capped_and_weights_restrict_them():
    assert ts_query(" ".join(f"w{i}" for i in range(20))).count("&") == 7
    assert ts_query("rock pop", "C") == "'rock':*C & 'pop':*C"


def test_a_genre_is_a_query_restricted_to_the_genres_class():
    fulltext = PgFullText()
    assert fulltext.query("song", "rock") == "'song':* & 'rock':*C"
    assert fulltext.query("", "rock") == "'rock':*C"
    assert fulltext.query("!!", "") == ""


async def test_what_people_type_always_parses(pg):
    for text in HOSTILE:
        parsed = await pg.fetchval("SELECT to_tsquery('simple', chorus_unaccent($1))::text",
                                   PgFullText().query(text, text))
        assert parsed, text
