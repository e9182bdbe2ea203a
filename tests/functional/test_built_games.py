"""Games stable-retro lacks, built by `arena roms fetch` from ale-py's ROMs as their profiles'
`build:` blocks say: only the dump the rules were proved on, whole or not at all, once."""

import json
from pathlib import Path

import pytest
import yaml

from arena.core.errors import ProfileError, UsageError
from arena.emulation.integrate import BUILD_RECORD, build_for_profile
from arena.profiles.loading import load_profile
from arena.retro import integrations
from conftest import arena

GAMES = Path(__file__).resolve().parents[2] / "games"
BUILT = {"combat": "Combat", "joust": "Joust", "space_war": "SpaceWar", "surround": "Surround"}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_fetch_built_each_game_from_the_dump_its_profile_names(host, name):
    profile = host.profile(name)
    folder = integrations.rom_store() / profile.game
    assert profile.build is not None and profile.integration.unbuilt is False
    assert (folder / "rom.sha").read_text().split() == [profile.build.sha1]
    assert json.loads((folder / BUILD_RECORD).read_text())["start"] == [
        list(step) for step in profile.build.start
    ]
    # The build's Start.2P, and the states made from power-on that the profile declares.
    assert set(profile.integration.states) == set(profile.states) and profile.max_players == 2


@pytest.mark.slow
def test_fetch_again_keeps_what_it_built(tmp_path):
    env = {"ARENA_HOME": str(tmp_path / "home")}
    wheels = str(integrations.arena_home() / "wheels")  # the wheels CI downloaded already
    first = arena("roms", "fetch", "--wheels", wheels, env=env)
    assert first.returncode == 0, first.stderr
    assert (
        "built from ale-py's ROMs (games stable-retro lacks): Combat, Joust, SpaceWar, Surround"
        in first.stdout
    )
    again = arena("roms", "fetch", "--wheels", wheels, "-v", env=env)
    assert again.returncode == 0, again.stderr
    for game in BUILT.values():
        assert f"-> {game}-Atari2600-v0 (built already from profile" in again.stdout
    assert "state     space_war Game6.2P: made already" in again.stdout
    store = tmp_path / "home" / "integrations"
    assert not [p for p in store.iterdir() if p.name.startswith(".")]  # nothing half-made
    # A made state deleted since: the fetch makes it again (not "made already").
    made = store / "Boxing-Atari2600-v0" / "Start.2P.state"
    made.unlink()
    third = arena("roms", "fetch", "--wheels", wheels, "-v", env=env)
    assert third.returncode == 0, third.stderr
    assert "state     boxing Start.2P: made\n" in third.stdout and made.is_file()
    played = arena(
        "match", "random", "random", "--game", "surround", "--max-frames", "600", env=env
    )
    assert played.returncode == 0, played.stderr


def test_a_game_not_built_yet_names_the_fetch(tmp_path):
    env = {"ARENA_HOME": str(tmp_path / "empty")}
    result = arena("match", "random", "random", "--game", "combat", env=env)
    assert result.returncode == 3, result.stderr
    assert "Combat-Atari2600-v0 is a game that stable-retro lacks" in result.stderr
    assert "run `arena roms fetch` to build it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    listing = arena("roms", "list", env=env)
    assert any(
        line.startswith("MISSING") and " combat " in line for line in listing.stdout.splitlines()
    )


def test_another_dump_is_not_built(host):
    profile = host.profile("combat")
    with pytest.raises(UsageError, match=r"not .* that profile 'combat' was proved on; not built"):
        build_for_profile(profile, b"\0" * 2048)


def _with(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load((GAMES / "combat.yaml").read_text())
    for key, value in changes.items():
        section, _, inner = key.partition("__")
        if inner:
            raw[section][inner] = value
        else:
            raw[section] = value
    path = tmp_path / "built.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"game": "Combat-Nes-v0"}, "a game built from ale-py's ROMs is named NAME-Atari2600-v0"),
        ({"rom": "user"}, "a built game's ROM comes from ale-py's wheel"),
        ({"build__sha1": "xyz"}, "build.sha1"),
        ({"build__file": "../combat.bin"}, "a ROM file name in ale-py's wheel"),
        ({"build__start": [["RESET", 1], ["noop", "noop", 2]]}, "every entry is [buttons, steps]"),
    ],
)
def test_bad_build_blocks_are_one_clear_line(tmp_path, changes, message):
    with pytest.raises(ProfileError) as raised:
        load_profile(_with(tmp_path, **changes))
    assert message in str(raised.value)


def test_fetch_made_boxing_two_player_state_from_power_on(host):
    """Boxing's game 2 is for two players: the profile's script makes its state."""
    from arena.retro import states as store

    profile = host.profile("boxing")
    spec = profile.state("Start.2P")
    assert spec.players == 2 and spec.start is not None
    meta = store.read_meta(profile.game, "Start.2P")
    assert meta is not None and meta.made_by.startswith("arena roms fetch (profile boxing)")


def test_a_state_not_made_yet_names_the_fetch(tmp_path):
    env = {"ARENA_HOME": str(tmp_path / "home")}
    rom = integrations.find_rom("Boxing-Atari2600-v0")
    assert arena("roms", "import", str(rom), env=env).returncode == 0  # the ROM, not the state
    result = arena("match", "random", "random", "--game", "boxing", env=env)
    assert result.returncode == 3, result.stderr
    assert "state 'Start.2P', which `arena roms fetch` makes from power-on" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    one_player = arena("run", "--game", "boxing", "--max-frames", "60", "--quiet", env=env)
    assert one_player.returncode == 0, one_player.stderr  # stable-retro's Start plays on


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ([["noop", 2]], "every entry is [p1, p2, steps] (2P)"),
        ("RESET", "a non-empty list of [action, steps]"),
    ],
)
def test_bad_state_scripts_are_one_clear_line(tmp_path, start, message):
    raw = yaml.safe_load((GAMES / "boxing.yaml").read_text())
    raw["states"]["Start.2P"]["start"] = start
    path = tmp_path / "boxing.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert message in str(raised.value)


def test_a_movie_verifies_against_another_machines_build(tmp_path):
    """Builds differ in two words the Atari core fills with its heap addresses; a movie
    recorded on one machine verifies on another, and a real change to the state still fails."""
    import gzip

    from arena.retro.state_files import ATARI_POINTERS, ATARI_TIA

    env = {"ARENA_HOME": str(tmp_path / "home")}
    wheels = str(integrations.arena_home() / "wheels")
    assert arena("roms", "fetch", "--wheels", wheels, env=env).returncode == 0
    played = arena("match", "random", "random", "--game", "combat", "--max-frames", "300",
                   "--record", str(tmp_path / "rec"), env=env)  # fmt: skip
    assert played.returncode == 0, played.stderr
    state_file = tmp_path / "home/integrations/Combat-Atari2600-v0/Start.2P.state"
    state = bytearray(gzip.decompress(state_file.read_bytes()))
    at = state.find(ATARI_TIA) + ATARI_POINTERS.start
    state[at : at + 16] = bytes.fromhex("7856341200550000f0debc9a00560000")  # other addresses
    state_file.write_bytes(gzip.compress(bytes(state)))
    assert arena("verify", str(tmp_path / "rec"), env=env).returncode == 0
    state[at - 40] ^= 0xFF  # a byte of the game's own state
    state_file.write_bytes(gzip.compress(bytes(state)))
    changed = arena("verify", str(tmp_path / "rec"), env=env)
    assert (
        changed.returncode != 0
        and "changed since this movie was recorded" in changed.stdout + changed.stderr
    )
