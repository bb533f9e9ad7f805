"""Listening streaks (consecutive UTC days with a listen, ending today or yesterday) and the
milestone push: when new listens make a streak reach MILESTONES days, one
`{"type": "listening.streak", "days": N}` goes on the user's `user:#<id>` channel — once per
milestone per streak (the last one announced is kept in the settings row
`listening.streak:<user id>` with the day the streak started)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from handlers.context import Context

__all__ = ["MILESTONES", "STREAK_PUSH", "RECENT", "streak_days", "announce_streak"]

MILESTONES = (7, 30, 100, 365)
STREAK_PUSH = "listening.streak"
RECENT = 2 * 86400.0  # only plays this recent can lengthen a streak ending today


def _current(days: set[str], today: date) -> tuple[date, int]:
    """The first day and the length of the run of `days` ending today, or yesterday."""
    day = today if today.isoformat() in days else today - timedelta(days=1)
    streak = 0
    while day.isoformat() in days:
        streak += 1
        day -= timedelta(days=1)
    return day + timedelta(days=1), streak


def streak_days(days: set[str], today: date) -> int:
    """How many consecutive days of `days` ('YYYY-MM-DD') end today, or yesterday."""
    return _current(days, today)[1]


async def announce_streak(ctx: Context, user_id: int) -> int | None:
    """Push the milestone the user's streak reached if not announced yet; the milestone."""
    today = datetime.fromtimestamp(ctx.clock(), UTC).date()
    since = (today - timedelta(days=MILESTONES[-1] + 1)).isoformat()
    first, streak = _current({d.day for d in await ctx.store.listens.days(user_id, since)},
                             today)
    reached = max((m for m in MILESTONES if m <= streak), default=None)
    if reached is None:
        return None
    start, key = first.isoformat(), f"{STREAK_PUSH}:{user_id}"
    told = await ctx.store.settings.get(key)
    # the same streak (it still covers the day the announced one started) is told once
    same = isinstance(told, dict) and start <= str(told.get("start", ""))
    if same and isinstance(told, dict) and int(told.get("days", 0)) >= reached:
        return None
    await ctx.store.settings.set(key, {"start": start, "days": reached})
    await ctx.publisher.publish_to_user(user_id, {"type": STREAK_PUSH, "days": reached})
    return reached
