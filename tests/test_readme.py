"""The README documents every setting Chorus reads."""

from __future__ import annotations

from pathlib import Path

from hub.config import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_chorus_variable_is_in_the_configuration_table():
    text = README.read_text()
    missing = [s.env for s in SETTINGS if f"| `{s.env}` |" not in text]
    assert missing == []


def test_readme_names_the_two_setup_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text
