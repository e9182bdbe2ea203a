"""`arena roms import / list`: every file is reported, near misses show both sha1 values, and
--accept-sha installs a near miss as a working custom integration."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import stable_retro.data

from arena.retro import integrations
from conftest import arena


@pytest.fixture
def home(tmp_path):
    """A separate ARENA_HOME so imports here leave the real ROM store alone."""
    return {"ARENA_HOME": str(tmp_path / "home")}


@pytest.fixture
def rom_files(tmp_path):
    mario = integrations.find_rom("SuperMarioBros-Nes-v0").read_bytes()
    pong = integrations.find_rom("Pong-Atari2600-v0").read_bytes()
    folder = tmp_path / "roms"
    (folder / "nested").mkdir(parents=True)
    (folder / "notes.txt").write_text("not a rom")
    (folder / "empty.nes").write_bytes(b"")
    (folder / "Super Mario Bros. (World).nes").write_bytes(mario)
    with zipfile.ZipFile(folder / "nested" / "atari.zip", "w") as archive:
        archive.writestr("Pong (1972).a26", pong)
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 broken")
    return folder, mario


def test_import_reports_every_file_and_near_misses(home, rom_files):
    folder, mario = rom_files
    result = arena("roms", "import", str(folder), env=home)
    out = result.stdout
    assert "atari.zip!Pong (1972).a26 -> Pong-Atari2600-v0 (sha1 matches)" in out
    stable = Path(stable_retro.data.path()) / "stable" / "SuperMarioBros-Nes-v0"
    expected = (stable / "rom.sha").read_text().strip()
    actual = hashlib.sha1(mario[16:]).hexdigest()
    assert (
        f"Super Mario Bros. (World).nes: looks like SuperMarioBros-Nes-v0 but its sha1 differs: "
        f"expected {expected}, got {actual}; add --accept-sha"
    ) in out
    assert "notes.txt: not a ROM of any known game" in out
    assert "empty.nes: empty file" in out
    assert "broken.zip: unreadable zip" in out
    assert "1 imported, 4 skipped" in out


def test_accept_sha_installs_a_playable_custom_integration(home, rom_files, tmp_path):
    folder, _ = rom_files
    result = arena(
        "roms", "import", str(folder / "Super Mario Bros. (World).nes"), "--accept-sha", env=home
    )
    assert "-> SuperMarioBros-Nes-v0 (accepted sha1" in result.stdout
    listing = arena("roms", "list", env=home)
    assert any(line.startswith("ok") and " mario " in line for line in listing.stdout.splitlines())
    assert any(
        line.startswith("MISSING") and "pong" in line for line in listing.stdout.splitlines()
    )
    run = arena("run", "--game", "mario", "--record", str(tmp_path / "rec"), "--quiet", env=home)
    assert run.returncode == 0, run.stderr
    assert arena("verify", str(tmp_path / "rec"), env=home).returncode == 0


def test_missing_rom_error_names_the_fix(home):
    result = arena("run", "--game", "pong", env=home)
    assert result.returncode == 3
    assert (
        "needs the ROM for Pong-Atari2600-v0, which is not installed. run `arena roms fetch`"
        in result.stderr
    )


def test_import_of_nothing_useful_exits_non_zero(home, tmp_path):
    (tmp_path / "junk.md").write_bytes(b"\0" * 1024)
    result = arena("roms", "import", str(tmp_path / "junk.md"), str(tmp_path / "nope"), env=home)
    assert result.returncode == 1
    assert "nope: no such file or folder" in result.stdout


def test_fetch_installed_what_the_wheels_carry():
    """CI ran `arena roms fetch`: Atari ROMs with stable-retro's sha1, Mario as a near miss."""
    for game in ("Pong-Atari2600-v0", "Breakout-Atari2600-v0"):
        rom = integrations.find_rom(game)
        assert integrations.rom_sha1(rom) in integrations.expected_shas(game)
    mario = integrations.find_rom("SuperMarioBros-Nes-v0")
    assert (mario.parent / "rom.sha").read_text().split() == [integrations.rom_sha1(mario)]
    assert json.loads((mario.parent / "data.json").read_text())["info"]["xscrollHi"]
