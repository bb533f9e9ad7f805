"""Where a downloaded track goes: the filename template filled with metadata, never leaving
the download folder, whatever the metadata says."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.downloads.paths import target_path
from handlers.downloads.settings import DownloadSettings

TAGS = {"title": "Back in Black", "artist": "AC/DC", "album": "Back in Black",
        "tracknumber": "6", "date": "1980-07-25"}


def test_the_template_names_folders_and_file(tmp_path: Path) -> None:
    settings = DownloadSettings(customDirFormat="%artist%/%album% (%year%)",
                                customTrackFormat="%tracknum% - %music%")
    target = target_path(tmp_path, settings, TAGS, "mp3")
    # "/" in an artist's name is not a folder
    assert target == tmp_path / "AC_DC" / "Back in Black (1980)" / "06 - Back in Black.mp3"


@pytest.mark.parametrize("title", ["../../etc/passwd", "..", "a\x00b", "/abs/olute"])
def test_metadata_never_leaves_the_folder(tmp_path: Path, title: str) -> None:
    settings = DownloadSettings(customDirFormat="%music%/%album%", customTrackFormat="%music%")
    target = target_path(tmp_path, settings, {**TAGS, "title": title}, "wav")
    assert tmp_path.resolve() in target.resolve().parents
    assert len(target.relative_to(tmp_path).parts) == 3
    assert "\x00" not in str(target) and ".." not in target.relative_to(tmp_path).parts


def test_a_template_that_climbs_stays_inside(tmp_path: Path) -> None:
    settings = DownloadSettings(customDirFormat="../outside", customTrackFormat="%music%")
    target = target_path(tmp_path / "music", settings, TAGS, "mp3")
    assert target == tmp_path / "music" / "Unknown" / "outside" / "Back in Black.mp3"
