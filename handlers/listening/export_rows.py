"""The rows of Spotify's two history formats and the rules that make a row a play (or not).

Rules, in the order they are checked (each row counts under the first that applies):
unreadable (no time, no duration, or a value of the wrong type), incognito (a private session),
not music (no `spotify_track_uri` in the extended history, no artist or track name in account
data: podcasts, audiobooks, videos, local files), short (under 30 s), duplicate (the same
(played_at, track) as a play already read from the same file, within the last `DEDUP_WINDOW`
plays; the store's uniqueness removes any others).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

import msgspec

from handlers.listening.plays import MIN_PLAY_MS, PlayIn, TrackRef

__all__ = ["Flavour", "ExtendedRow", "AccountRow", "ReadStats", "RowRules", "decode_rows",
           "DEDUP_WINDOW"]

Flavour = str  # "extended" (Streaming_History_Audio_*, endsong_*) or "account" (StreamingHistory*)
DEDUP_WINDOW = 50_000
_TRACK_URI = "spotify:track:"


class ExtendedRow(msgspec.Struct, frozen=True):
    """One row of the extended streaming history (the keys Chorus reads; others are ignored)."""

    ts: str | None = None  # ISO-8601 UTC, when the stream ENDED
    ms_played: int | None = None
    platform: str | None = None
    spotify_track_uri: str | None = None
    master_metadata_track_name: str | None = None
    master_metadata_album_artist_name: str | None = None
    master_metadata_album_album_name: str | None = None
    reason_start: str | None = None
    reason_end: str | None = None
    shuffle: bool | None = None
    skipped: bool | None = None
    offline: bool | None = None
    incognito_mode: bool | None = None


class AccountRow(msgspec.Struct, frozen=True, rename="camel"):
    """One row of the account-data history: `endTime` is "YYYY-MM-DD HH:MM" UTC."""

    end_time: str | None = None
    artist_name: str | None = None
    track_name: str | None = None
    ms_played: int | None = None


_UNREADABLE = object()  # a row that does not decode as its format's row


_DECODERS: dict[Flavour, msgspec.json.Decoder[list[ExtendedRow]] | msgspec.json.Decoder[list[AccountRow]]] = {
    "extended": msgspec.json.Decoder(list[ExtendedRow]),
    "account": msgspec.json.Decoder(list[AccountRow]),
}
_ONE: dict[Flavour, msgspec.json.Decoder[ExtendedRow] | msgspec.json.Decoder[AccountRow]] = {
    "extended": msgspec.json.Decoder(ExtendedRow), "account": msgspec.json.Decoder(AccountRow)}
_RAW = msgspec.json.Decoder(list[msgspec.Raw])


def decode_rows(flavour: Flavour, data: bytes) -> list[object]:
    """The rows of `data` (`b"[...]"`); a row with a value of the wrong type is kept as a marker
    counted unreadable, so one bad row does not refuse its neighbours. msgspec.DecodeError: bad JSON."""
    try:
        return list(_DECODERS[flavour].decode(data))
    except msgspec.ValidationError:
        raws = _RAW.decode(data)
    one = _ONE[flavour]
    rows: list[object] = []
    for raw in raws:
        try:
            rows.append(one.decode(raw))
        except msgspec.ValidationError:
            rows.append(_UNREADABLE)
    return rows


class ReadStats(msgspec.Struct, kw_only=True):
    """What a read did so far: rows read, plays produced, and rows left out, per rule."""

    rows: int = 0
    plays: int = 0
    unreadable: int = 0
    incognito: int = 0
    not_music: int = 0
    short: int = 0
    duplicates: int = 0


def _epoch(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class RowRules:
    """Turns rows into plays by the rules above, counting into `stats`; one per read."""

    def __init__(self, stats: ReadStats) -> None:
        self.stats = stats
        self._recent: OrderedDict[tuple[object, ...], None] = OrderedDict()

    def new_file(self) -> None:
        self._recent.clear()

    def play(self, row: object) -> PlayIn | None:
        self.stats.rows += 1
        if isinstance(row, ExtendedRow):
            play = self._extended(row)
        elif isinstance(row, AccountRow):
            play = self._account(row)
        else:
            play = self._skip("unreadable")
        if play is not None:
            self.stats.plays += 1
        return play

    def _skip(self, rule: str) -> PlayIn | None:
        """Counts a row left out under `rule` (a ReadStats field); the play it is not (None)."""
        setattr(self.stats, rule, getattr(self.stats, rule) + 1)
        return None

    def _played_at(self, end: str | None, ms: int | None) -> float | None:
        ended = _epoch(end) if end is not None else None
        if ended is None or ms is None:
            return None
        return (round(ended * 1000) - ms) / 1000

    def _repeat(self, key: tuple[object, ...]) -> bool:
        if key in self._recent:
            return True
        self._recent[key] = None
        if len(self._recent) > DEDUP_WINDOW:
            self._recent.popitem(last=False)
        return False

    def _extended(self, row: ExtendedRow) -> PlayIn | None:
        played_at = self._played_at(row.ts, row.ms_played)
        if played_at is None or row.ms_played is None:
            return self._skip("unreadable")
        if row.incognito_mode:
            return self._skip("incognito")
        uri = row.spotify_track_uri
        if not uri or not uri.startswith(_TRACK_URI):
            return self._skip("not_music")
        if row.ms_played < MIN_PLAY_MS:
            return self._skip("short")
        if self._repeat((played_at, uri)):
            return self._skip("duplicates")
        return PlayIn(
            played_at=played_at, ms_played=row.ms_played, source="import",
            track=TrackRef(spotify_uri=uri, name=row.master_metadata_track_name or "",
                           artist=row.master_metadata_album_artist_name or "",
                           album=row.master_metadata_album_album_name or ""),
            platform=row.platform or "", reason_start=row.reason_start or "",
            reason_end=row.reason_end or "", shuffle=row.shuffle, skipped=row.skipped,
            offline=row.offline,
        )

    def _account(self, row: AccountRow) -> PlayIn | None:
        played_at = self._played_at(row.end_time, row.ms_played)
        if played_at is None or row.ms_played is None:
            return self._skip("unreadable")
        if not row.artist_name or not row.track_name:
            return self._skip("not_music")
        if row.ms_played < MIN_PLAY_MS:
            return self._skip("short")
        if self._repeat((played_at, row.artist_name, row.track_name)):
            return self._skip("duplicates")
        return PlayIn(played_at=played_at, ms_played=row.ms_played, source="import",
                      track=TrackRef(name=row.track_name, artist=row.artist_name))
