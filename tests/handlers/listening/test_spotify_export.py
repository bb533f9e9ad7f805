"""Reading Spotify's listening-history exports: both formats, loose and zipped, every rule, every
refusal, batches, resuming and the pre-count."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench.listening_data import extended_row, write_extended, write_extended_zip
from handlers.api.dialect import FastAPIDialect
from handlers.listening.plays import PlayIn, TrackRef
from handlers.listening.spotify_export import (
    ExportError,
    ExportLimits,
    ReadStats,
    count_rows,
    is_history_name,
    read_plays,
    sniff,
)

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
FOLDER = "Spotify Extended Streaming History"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def write_json(path: Path, rows: Any) -> Path:
    path.write_text(json.dumps(rows, indent=2))
    return path


def write_zip(path: Path, members: dict[str, Any]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content if isinstance(content, bytes) else json.dumps(content))
    return path


def account_row(end_time: str, ms: int, artist: str | None = "Artist",
                track: str | None = "Track") -> dict[str, Any]:
    row: dict[str, Any] = {"endTime": end_time, "msPlayed": ms}
    if artist is not None:
        row["artistName"] = artist
    if track is not None:
        row["trackName"] = track
    return row


def plays_of(path: Path, **kwargs: Any) -> list[PlayIn]:
    return [play for batch in read_plays(path, **kwargs) for play in batch]


# formats ------------------------------------------------------------------------------------


def test_an_extended_play_carries_its_track_and_how_it_was_played(tmp_path: Path) -> None:
    row = extended_row(T0, 200_000, 7, platform="ios", reason_start="clickrow", reason_end="fwdbtn",
                       shuffle=True, skipped=None, offline=True)
    path = write_json(tmp_path / "Streaming_History_Audio_2023_0.json", [row])

    kind = sniff(path)
    [play] = plays_of(path)

    assert (kind.container, kind.flavours, kind.documents) == (
        "json", ("extended",), ("Streaming_History_Audio_2023_0.json",))
    assert play == PlayIn(
        played_at=T0 - 200.0, ms_played=200_000, source="import",
        track=TrackRef(spotify_uri="spotify:track:t000000000000000000007", name="Track 7",
                       artist="Artist 7", album="Album 7"),
        platform="ios", reason_start="clickrow", reason_end="fwdbtn", shuffle=True, skipped=None,
        offline=True)


def test_played_at_keeps_the_milliseconds_of_ms_played(tmp_path: Path) -> None:
    path = write_json(tmp_path / "endsong_0.json", [extended_row(T0, 45_678, 1)])

    [play] = plays_of(path)

    assert play.played_at == T0 - 45.678


def test_the_older_endsong_rows_read_as_extended_history(tmp_path: Path) -> None:
    row = extended_row(T0, 60_000, 3)
    for key in ("ip_addr", "audiobook_title", "audiobook_uri", "audiobook_chapter_uri",
                "audiobook_chapter_title"):
        del row[key]
    row.update(username="someone", ip_addr_decrypted="192.0.2.2", user_agent_decrypted="unknown",
               skipped=None)
    path = write_zip(tmp_path / "my_spotify_data.zip", {"MyData/endsong_0.json": [row],
                                                        "MyData/ReadMeFirst.pdf": PDF})

    [play] = plays_of(path)

    assert sniff(path).flavours == ("extended",)
    assert (play.track.spotify_uri, play.played_at, play.skipped) == ("spotify:track:t000000000000000000003",
                                                                     T0 - 60.0, None)


def test_an_account_data_play_has_names_only_and_starts_msplayed_before_endtime(tmp_path: Path) -> None:
    path = write_json(tmp_path / "StreamingHistory0.json",
                      [account_row("2020-12-22 16:43", 185_000, "Nina", "Sinnerman")])

    [play] = plays_of(path)

    assert sniff(path).flavours == ("account",)
    assert play == PlayIn(played_at=1_608_655_380 - 185.0, ms_played=185_000, source="import",
                          track=TrackRef(name="Sinnerman", artist="Nina"))


def test_account_data_zipped_reads_music_files_and_leaves_podcasts(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "my_spotify_data.zip", {
        "Spotify Account Data/StreamingHistory_music_0.json": [account_row("2024-01-01 10:00", 40_000,
                                                                           track="A")],
        "Spotify Account Data/StreamingHistory_music_1.json": [account_row("2024-01-02 10:00", 40_000,
                                                                           track="B")],
        "Spotify Account Data/StreamingHistory_podcast_0.json": [
            {"endTime": "2024-01-01 11:00", "podcastName": "P", "episodeName": "E", "msPlayed": 900_000}],
        "Spotify Account Data/Userdata.json": {"username": "someone"},
        "Spotify Account Data/Read_Me_First.pdf": PDF,
    })

    kind = sniff(path)

    assert kind.documents == ("Spotify Account Data/StreamingHistory_music_0.json",
                              "Spotify Account Data/StreamingHistory_music_1.json")
    assert [p.track.name for p in plays_of(path)] == ["A", "B"]


def test_an_extended_zip_with_a_pdf_and_several_files_reads_only_audio_history(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "my_spotify_data.zip", {
        f"{FOLDER}/ReadMeFirst_ExtendedStreamingHistory.pdf": PDF,
        f"{FOLDER}/Streaming_History_Audio_2019-2021_0.json": [extended_row(T0, 60_000, 1)],
        f"{FOLDER}/Streaming_History_Audio_2021-2023_1.json": [extended_row(T0 + 600, 60_000, 2),
                                                             extended_row(T0 + 900, 60_000, 3)],
        f"{FOLDER}/Streaming_History_Video_2019-2023.json": [extended_row(T0 + 1200, 60_000, 9)],
        f"__MACOSX/{FOLDER}/._Streaming_History_Audio_2019-2021_0.json": b"\x00\x05\x16\x07",
    })

    kind = sniff(path)
    plays = plays_of(path)

    assert (kind.container, len(kind.documents)) == ("zip", 2)
    assert [p.track.name for p in plays] == ["Track 1", "Track 2", "Track 3"]


def test_a_zip_of_both_formats_reads_both(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "both.zip", {
        "StreamingHistory0.json": [account_row("2024-01-01 10:00", 40_000)],
        "Streaming_History_Audio_2024.json": [extended_row(T0, 60_000, 1)],
    })

    assert sniff(path).flavours == ("account", "extended")
    assert len(plays_of(path)) == 2


def test_the_generated_export_reads_the_same_loose_or_zipped(tmp_path: Path) -> None:
    loose = write_extended(tmp_path / "loose.json", 3_000, seed=4)[0]
    zipped = write_extended_zip(tmp_path / "zipped.zip", 3_000, files=3, seed=4)
    loose_stats, zipped_stats = ReadStats(), ReadStats()

    loose_plays = plays_of(loose, stats=loose_stats)
    zipped_plays = plays_of(zipped, stats=zipped_stats)

    assert loose_plays == zipped_plays
    assert loose_stats.rows == zipped_stats.rows == 3_000
    assert loose_stats.plays == len(loose_plays) > 2_000


@pytest.mark.parametrize("name, history", [
    ("Spotify Extended Streaming History/Streaming_History_Audio_2020_3.json", True),
    ("endsong_12.json", True),
    ("MyData/StreamingHistory2.json", True),
    ("Spotify Account Data/StreamingHistory_music_0.json", True),
    ("Spotify Account Data/StreamingHistory_podcast_0.json", False),
    ("Spotify Extended Streaming History/Streaming_History_Video_2020.json", False),
    ("Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf", False),
    ("Spotify Account Data/Playlist1.json", False),
    ("__MACOSX/Streaming_History_Audio_2020.json", False),
    ("x/._Streaming_History_Audio_2020.json", False),
])
def test_which_zip_members_are_history(name: str, history: bool) -> None:
    assert is_history_name(name) is history


# rules --------------------------------------------------------------------------------------


def test_a_play_under_30_seconds_is_not_a_play(tmp_path: Path) -> None:
    path = write_json(tmp_path / "h.json", [extended_row(T0, 29_999, 1), extended_row(T0 + 100, 30_000, 2)])
    stats = ReadStats()

    plays = plays_of(path, stats=stats)

    assert [p.ms_played for p in plays] == [30_000]
    assert (stats.rows, stats.plays, stats.short) == (2, 1, 1)


def test_a_short_account_data_play_is_not_a_play(tmp_path: Path) -> None:
    path = write_json(tmp_path / "h.json", [account_row("2024-01-01 10:00", 29_999),
                                            account_row("2024-01-01 10:05", 30_000)])

    assert [p.ms_played for p in plays_of(path)] == [30_000]


def test_an_incognito_play_is_not_imported(tmp_path: Path) -> None:
    path = write_json(tmp_path / "h.json", [extended_row(T0, 60_000, 1, incognito=True),
                                            extended_row(T0 + 100, 60_000, 2)])
    stats = ReadStats()

    assert [p.track.name for p in plays_of(path, stats=stats)] == ["Track 2"]
    assert stats.incognito == 1


def test_rows_without_a_track_uri_are_not_music(tmp_path: Path) -> None:
    audiobook = extended_row(T0 + 200, 600_000, None) | {
        "episode_name": None, "audiobook_title": "Book", "audiobook_uri": "spotify:audiobook:b1"}
    local = extended_row(T0 + 300, 60_000, 5) | {"spotify_track_uri": "spotify:local:Artist:Album:Song:200"}
    unknown = extended_row(T0 + 400, 60_000, 6) | {
        "spotify_track_uri": None, "master_metadata_track_name": None,
        "master_metadata_album_artist_name": None, "master_metadata_album_album_name": None}
    path = write_json(tmp_path / "h.json", [extended_row(T0, 600_000, None), audiobook, local, unknown,
                                            extended_row(T0 + 500, 60_000, 7)])
    stats = ReadStats()

    assert [p.track.name for p in plays_of(path, stats=stats)] == ["Track 7"]
    assert stats.not_music == 4


def test_account_data_rows_without_artist_or_track_are_not_music(tmp_path: Path) -> None:
    path = write_json(tmp_path / "h.json", [account_row("2024-01-01 10:00", 60_000, artist=None),
                                            account_row("2024-01-01 10:05", 60_000, track=""),
                                            account_row("2024-01-01 10:10", 60_000)])
    stats = ReadStats()

    assert len(plays_of(path, stats=stats)) == 1
    assert stats.not_music == 2


def test_rows_repeating_played_at_and_track_in_a_file_are_one_play(tmp_path: Path) -> None:
    same = extended_row(T0, 60_000, 1)
    other_track_same_time = extended_row(T0, 60_000, 2)
    same_track_other_time = extended_row(T0 + 1, 60_000, 1)
    path = write_json(tmp_path / "h.json", [same, other_track_same_time, same, same_track_other_time,
                                            extended_row(T0 + 5_000, 60_000, 3), same])
    stats = ReadStats()

    plays = plays_of(path, stats=stats)

    assert [(p.played_at, p.track.name) for p in plays] == [
        (T0 - 60.0, "Track 1"), (T0 - 60.0, "Track 2"), (T0 - 59.0, "Track 1"), (T0 + 4_940.0, "Track 3")]
    assert stats.duplicates == 2


def test_repeated_account_data_rows_are_one_play(tmp_path: Path) -> None:
    row = account_row("2024-01-01 10:00", 60_000)
    path = write_json(tmp_path / "h.json", [row, row, account_row("2024-01-01 10:00", 60_000, track="Other")])

    assert [p.track.name for p in plays_of(path)] == ["Track", "Other"]


def test_a_row_repeated_in_another_file_is_left_to_the_store(tmp_path: Path) -> None:
    row = extended_row(T0, 60_000, 1)
    path = write_zip(tmp_path / "h.zip", {"Streaming_History_Audio_0.json": [row],
                                          "Streaming_History_Audio_1.json": [row]})

    plays = plays_of(path)

    assert len(plays) == 2 and plays[0] == plays[1]


def test_unreadable_rows_are_counted_and_their_neighbours_read(tmp_path: Path) -> None:
    rows = [extended_row(T0, 60_000, 1), extended_row(T0, "a minute", 2),  # type: ignore[arg-type]
            extended_row(T0, 60_000, 3) | {"ts": "yesterday"}, {"ms_played": 60_000, "ts": None}, 42,
            extended_row(T0 + 100, 60_000, 4)]
    path = write_json(tmp_path / "h.json", rows)
    stats = ReadStats()

    assert [p.track.name for p in plays_of(path, stats=stats)] == ["Track 1", "Track 4"]
    assert (stats.rows, stats.unreadable) == (6, 4)


# refusals -----------------------------------------------------------------------------------


def refused(path: Path, limits: ExportLimits = ExportLimits()) -> ExportError:
    """The export is refused the same way by sniff, read_plays (before any play) and count_rows."""
    with pytest.raises(ExportError) as sniffed:
        sniff(path, limits=limits)
    with pytest.raises(ExportError) as read:
        next(read_plays(path, limits=limits))
    with pytest.raises(ExportError) as counted:
        count_rows(path, limits=limits)
    assert sniffed.value.message == read.value.message == counted.value.message
    return sniffed.value


def test_a_0_byte_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "StreamingHistory0.json"
    path.write_bytes(b"")

    err = refused(path)

    assert (err.code, err.message) == ("empty_file", "StreamingHistory0.json is empty (0 bytes)")


@pytest.mark.parametrize("content, says", [
    ({"playlists": []}, "a JSON object, not a list of rows"),
    ([{"name": "My playlist", "items": []}], "its rows have the keys items, name"),
    ([1, 2, 3], "rows are not objects"),
    ([{"endTime": "2024-01-01 10:00", "artistName": "A"}], "its rows have the keys artistName, endTime"),
])
def test_a_json_of_another_shape_is_refused(tmp_path: Path, content: Any, says: str) -> None:
    err = refused(write_json(tmp_path / "Streaming_History_Audio_2024.json", content))

    assert err.code == "not_a_spotify_export"
    assert says in err.message


@pytest.mark.parametrize("content", [b"ts,ms_played\n2024-01-01,60000\n", b"%PDF-1.4\n", b"\x00\x01binary",
                                     b"  \n"])
def test_a_file_that_is_not_json_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history.json"
    path.write_bytes(content)

    assert refused(path).code == "not_a_spotify_export"


def test_a_truncated_json_is_refused_before_any_play(tmp_path: Path) -> None:
    path = write_extended(tmp_path / "h.json", 50)[0]
    path.write_bytes(path.read_bytes()[:-400])

    assert "truncated" in refused(path).message


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    path = write_extended_zip(tmp_path / "h.zip", 2_000)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    assert "damaged or truncated zip" in refused(path).message


def test_a_zip_of_only_a_pdf_is_refused(tmp_path: Path) -> None:
    err = refused(write_zip(tmp_path / "h.zip", {"ReadMeFirst.pdf": PDF}))

    assert err.message.startswith("The zip holds no listening history")


def test_a_zip_whose_history_file_has_another_shape_is_refused(tmp_path: Path) -> None:
    err = refused(write_zip(tmp_path / "h.zip", {"Streaming_History_Audio_0.json": [extended_row(T0, 60_000)],
                                                 "Streaming_History_Audio_1.json": {"not": "a list"}}))

    assert err.message.startswith("Streaming_History_Audio_1.json is not a Spotify streaming history")


def test_a_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    members: dict[str, Any] = {f"f{i}.txt": b"x" for i in range(6)}
    path = write_zip(tmp_path / "h.zip", members | {"endsong_0.json": [extended_row(T0, 60_000)]})

    err = refused(path, ExportLimits(max_entries=6))

    assert (err.code, err.message) == ("too_many_entries",
                                       "The zip holds 7 entries; a Spotify export holds at most 6")
    assert ExportLimits().max_entries == 500


def test_a_zip_member_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "h.zip", {"endsong_0.json": [extended_row(T0, 60_000)],
                                          "big.pdf": b"0" * 2_000})

    err = refused(path, ExportLimits(max_member_bytes=1_000))

    assert err.code == "member_too_large" and err.message.startswith("big.pdf in the zip is 2000 bytes")
    assert ExportLimits().max_member_bytes == 500_000_000


def test_a_damaged_member_fails_the_read_as_an_export_error(tmp_path: Path) -> None:
    rows = [extended_row(T0 + i, 60_000, i) for i in range(200)]
    path = write_zip(tmp_path / "h.zip", {"endsong_0.json": rows})
    data = bytearray(path.read_bytes())
    at = data.index(b"endsong_0.json") + len("endsong_0.json") + 2_000  # inside the compressed bytes
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(ExportError) as err:
        plays_of(path)

    assert err.value.message.startswith("endsong_0.json cannot be read from the zip (Bad CRC-32")


def test_malformed_json_past_the_start_fails_the_read_after_the_plays_before_it(tmp_path: Path) -> None:
    rows = ",\n".join(json.dumps(extended_row(T0 + i * 100, 60_000, i)) for i in range(3_000))
    path = tmp_path / "h.json"
    path.write_text("[" + rows.replace("Track 2500", 'Track 2500"x') + "]")

    reader = read_plays(path, batch=1_000)
    first = next(reader)
    with pytest.raises(ExportError) as err:
        list(reader)

    assert len(first) == 1_000
    assert err.value.message.startswith("h.json is not a readable Spotify streaming history (malformed JSON")


def test_an_export_error_answers_422_with_a_field_in_fastapi_dialects(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_bytes(b"")
    err = refused(path)

    assert FastAPIDialect().error_status(err) == 422
    assert [f.loc for f in err.fields] == [("body", "file")]


# batches, resuming, counting ----------------------------------------------------------------


@pytest.mark.parametrize("plays, batch, sizes", [(5, 2, [2, 2, 1]), (4, 2, [2, 2]), (3, 1000, [3]),
                                                 (1, 1, [1])])
def test_batches_are_full_but_the_last_and_never_empty(tmp_path: Path, plays: int, batch: int,
                                                       sizes: list[int]) -> None:
    rows = [extended_row(T0 + i * 100, 60_000, i) for i in range(plays)]
    path = write_json(tmp_path / "h.json", rows + [extended_row(T0 + 10**6, 1_000, 1)])  # a short play last

    assert [len(b) for b in read_plays(path, batch=batch)] == sizes


def test_batches_run_across_the_files_of_a_zip(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "h.zip", {f"Streaming_History_Audio_{f}.json": [
        extended_row(T0 + f * 10_000 + i * 100, 60_000, i) for i in range(3)] for f in range(3)})

    assert [len(b) for b in read_plays(path, batch=4)] == [4, 4, 1]


def test_an_empty_history_yields_no_batch(tmp_path: Path) -> None:
    path = write_json(tmp_path / "StreamingHistory0.json", [])

    assert sniff(path).flavours == ("account",)
    assert list(read_plays(path)) == []
    assert count_rows(path) == 0


def test_a_batch_below_one_is_an_error(tmp_path: Path) -> None:
    path = write_json(tmp_path / "h.json", [extended_row(T0, 60_000)])

    with pytest.raises(ValueError):
        next(read_plays(path, batch=0))


def test_skip_rows_resumes_where_a_read_stopped(tmp_path: Path) -> None:
    path = write_extended_zip(tmp_path / "h.zip", 2_500, files=2, seed=9)
    everything = plays_of(path)
    stats = ReadStats()
    first = next(read_plays(path, batch=700, stats=stats))
    done = stats.rows

    rest_stats = ReadStats()
    rest = plays_of(path, skip_rows=done, stats=rest_stats)

    assert first + rest == everything
    assert rest_stats.rows == 2_500


def test_count_rows_counts_every_row_before_the_rules(tmp_path: Path) -> None:
    loose = write_extended(tmp_path / "h.json", 4_321, seed=2)[0]
    zipped = write_extended_zip(tmp_path / "h.zip", 4_321, files=4, seed=2)
    account = write_json(tmp_path / "StreamingHistory0.json",
                         [account_row("2024-01-01 10:00", 1_000)] * 7
                         + [account_row("2024-01-01 11:00", 60_000)])
    stats = ReadStats()
    plays_of(loose, stats=stats)

    assert count_rows(loose) == count_rows(zipped) == stats.rows == 4_321
    assert count_rows(account) == 8


def test_count_rows_is_not_fooled_by_names_or_spacing(tmp_path: Path) -> None:
    tricky = extended_row(T0, 60_000, 1) | {
        "master_metadata_track_name": 'ms_played "ms_played": "ms_played"',
        "master_metadata_album_album_name": "ms_played"}
    path = tmp_path / "h.json"
    path.write_text("[" + json.dumps(tricky) + ",\n" + json.dumps(extended_row(T0 + 100, 60_000, 2)).replace(
        '"ms_played":', '"ms_played"   \n  :') + "]")

    assert count_rows(path) == 2
    assert len(plays_of(path)) == 2
