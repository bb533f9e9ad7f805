"""The sign-in backoff: failed passwords slow further guesses at an account, never lock it.

Two streaks of failures are counted (kept in memory, per process: see handlers.state):

- per (account, client address): after `CHORUS_SIGNIN_BACKOFF_AFTER` failures (5), each next
  try from that address must wait 1 s after the last failure, doubling with every failure, at
  most `PAIR_MAX_DELAY` (5 min);
- per account, from all addresses: after `CHORUS_SIGNIN_ACCOUNT_BACKOFF_AFTER` failures (20),
  addresses that never signed in to the account wait the same way, at most
  `ACCOUNT_MAX_DELAY` (30 s); addresses it signed in from before are not held back.

A try made during a wait is refused (RateLimited with Retry-After) without checking the
password and is not counted, so waits never grow by being retried; a streak is forgotten
`CHORUS_SIGNIN_BACKOFF_WINDOW` seconds (900) after its last failure, and a success ends the
streak of its (account, address). The owner is therefore never locked out: another address is not
held back by the first streak, and the account-wide wait is at most 30 s. An account is named
by its id when it exists and by the login as typed otherwise, so an unknown account is
slowed exactly like an existing one and the backoff tells no one which accounts exist.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TypeVar

from handlers.context import Context
from handlers.errors import RateLimited
from handlers.state import FailureStreak
from store.records import User

__all__ = ["account_key", "check_sign_in_wait", "record_failure", "record_success",
           "PAIR_MAX_DELAY", "ACCOUNT_MAX_DELAY", "MAX_ENTRIES"]

PAIR_MAX_DELAY = 300.0
ACCOUNT_MAX_DELAY = 30.0
MAX_ENTRIES = 100_000  # per map; the oldest entries go first
K = TypeVar("K")
V = TypeVar("V")


def account_key(user: User | None, login: str) -> str:
    """Whose streak a try counts in: the user's id, or the login for an unknown account."""
    return f"user:{user.id}" if user is not None else f"login:{login.strip().lower()}"


def check_sign_in_wait(ctx: Context, account: str, source: str) -> None:
    """RateLimited (Retry-After in whole seconds) while `source` must wait before trying
    `account` again; nothing when it may try now."""
    if ctx.config.signin_backoff_after <= 0:
        return
    now = ctx.clock()
    attempts = ctx.sign_in_attempts
    wait = _wait(ctx, attempts.pairs.get((account, source)), ctx.config.signin_backoff_after,
                 PAIR_MAX_DELAY, now)
    if (account, source) not in attempts.known:
        wait = max(wait, _wait(ctx, attempts.accounts.get(account),
                               ctx.config.signin_account_backoff_after, ACCOUNT_MAX_DELAY, now))
    if wait > 0:
        raise RateLimited("Too many failed sign-ins. Please wait before trying again.",
                          code="sign_in_backoff", retry_after=max(1, math.ceil(wait)))


def record_failure(ctx: Context, account: str, source: str) -> None:
    """A wrong password (or an unknown account) for `account` from `source`."""
    if ctx.config.signin_backoff_after <= 0:
        return
    attempts = ctx.sign_in_attempts
    _put(attempts.pairs, (account, source), _failed(ctx, attempts.pairs.get((account, source))))
    _put(attempts.accounts, account, _failed(ctx, attempts.accounts.get(account)))


def record_success(ctx: Context, account: str, source: str) -> None:
    """A correct password from `source`: its streak for the account ends and it becomes one of
    the account's known addresses (not held back by the account-wide streak, which goes on
    counting the others' failures until its window passes)."""
    attempts = ctx.sign_in_attempts
    attempts.pairs.pop((account, source), None)
    _put(attempts.known, (account, source), ctx.clock())


def _failed(ctx: Context, streak: FailureStreak | None) -> FailureStreak:
    now = ctx.clock()
    streak = _live(ctx, streak, now) or FailureStreak()
    streak.count += 1
    streak.last = now
    return streak


def _live(ctx: Context, streak: FailureStreak | None, now: float) -> FailureStreak | None:
    """The streak, unless its last failure is older than the window."""
    if streak is None or now - streak.last > ctx.config.signin_backoff_window:
        return None
    return streak


def _wait(ctx: Context, streak: FailureStreak | None, after: int, cap: float,
          now: float) -> float:
    """Seconds left before the next try, for a streak that allows `after` free failures."""
    streak = _live(ctx, streak, now)
    if streak is None or after <= 0 or streak.count < after:
        return 0.0
    delay = min(2.0 ** min(streak.count - after, 32), cap)
    return streak.last + delay - now


def _put(entries: OrderedDict[K, V], key: K, value: V) -> None:
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > MAX_ENTRIES:
        entries.popitem(last=False)
