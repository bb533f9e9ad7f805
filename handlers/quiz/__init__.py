"""The song quiz and live multiplayer quiz rooms: questions (a lyrics snippet and three
options, `questions`), scoring (the points formula, `scoring`), rooms (create, join, start,
answer, leave, state: the domain operations every dialect calls, `rooms`) and the room
registry (`registry`: which process and actor plays which room, requests routed to it, rooms
of a dead process taken over), with `fence` (a room's writes under its owner's token) and
`restore` (a room rebuilt from its rows). The actor that owns a room's rounds and timers
lives in workers/quizmaster.py; lyrics themselves live in catalog/.
"""
