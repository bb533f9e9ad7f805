"""The song quiz and live multiplayer quiz rooms: questions (a lyrics snippet and three
options, `questions`), scoring (the points formula, `scoring`), rooms (create, join, start,
answer, leave, state: the domain operations every dialect calls, `rooms`) and the room
registry (`registry`: which actor plays which room). The actor that owns a room's rounds and
timers lives in workers/quizmaster.py; lyrics themselves live in catalog/.
"""
