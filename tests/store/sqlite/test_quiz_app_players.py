"""Quiz players who are apps' users ("app:<sub>") are stored next to Chorus users' rows."""

from __future__ import annotations

from store.records import QuizPlayer, QuizRoom, QuizRound


async def test_app_players_are_stored_listed_scored_and_left_apart_from_users(store) -> None:
    user = await store.users.create(username="host", email="h@example.com", password_hash="x")
    bot_key = f"app:{user.id}"  # an app user whose sub is the Chorus user's id
    await store.quiz.create_room(QuizRoom(id="r1", host_id=user.id, created_at=1.0))
    await store.quiz.add_player(QuizPlayer(room_id="r1", user_id=user.id, name="Host",
                                           joined_at=2.0))
    await store.quiz.add_player(QuizPlayer(room_id="r1", user_id=bot_key, name="Bot",
                                           joined_at=3.0))
    await store.quiz.record_round(
        QuizRound(room_id="r1", number=1, catalog_id=None, started_at=3.0, deadline=4.0,
                  correct=0, points={bot_key: 900, str(user.id): 0}),
        {user.id: 0, bot_key: 900})
    await store.quiz.leave("r1", bot_key, 5.0)
    players = await store.quiz.players("r1")
    assert [(p.user_id, p.name, p.score) for p in players] == [
        (user.id, "Host", 0), (bot_key, "Bot", 900)]
    bot = await store.quiz.player("r1", bot_key)
    assert bot is not None and bot.left_at == 5.0
    # the app's user left; the Chorus user with the same id did not
    assert (await store.quiz.player("r1", user.id)).left_at is None
    await store.quiz.add_player(QuizPlayer(room_id="r1", user_id=bot_key, name="Bot",
                                           joined_at=6.0))  # back, score kept
    bot = await store.quiz.player("r1", bot_key)
    assert bot is not None and bot.left_at is None and bot.score == 900
