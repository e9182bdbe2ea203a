"""`arena integrate`: a stable-retro integration in the arena's store for a ROM stable-retro
lacks (Combat, from ale-py's wheel), a 2-player start state and a profile skeleton that play."""

import json
import zipfile
from pathlib import Path

import pytest

from arena.retro import integrations
from conftest import arena


@pytest.fixture(scope="module")
def combat(tmp_path_factory) -> Path:
    """Combat's ROM, as ale-py's wheel (fetched by `arena roms fetch`) carries it."""
    wheels = integrations.arena_home() / "wheels"
    [wheel] = wheels.glob("ale_py-*.whl")
    out = tmp_path_factory.mktemp("rom") / "combat.bin"
    out.write_bytes(zipfile.ZipFile(wheel).read("ale_py/roms/combat.bin"))
    return out


def test_integrate_makes_a_game_two_agents_play_and_verify(combat, tmp_path):
    env = {"ARENA_HOME": str(tmp_path / "home")}
    made = arena(
        "integrate", str(combat), "--name", "Combat", "--players", "2", "--var", "p1_x=0x80:|u1",
        "--start", '[["RESET", "noop", 3], ["noop", "noop", 15]]', env=env, cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "home" / "integrations" / "Combat-Atari2600-v0"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Start.2P.state", "data.json", "metadata.json", "rom.a26", "rom.sha", "scenario.json",
    ]  # fmt: skip
    assert json.loads((folder / "data.json").read_text())["info"]["p1_x"]["address"] == 0x80
    profile = tmp_path / "Combat.yaml"
    assert "  left: [LEFT]" in profile.read_text() and "reset" not in profile.read_text()
    played = arena(
        "match", "random", "random", "--game", str(profile), "--max-frames", "600", "--record",
        str(tmp_path / "rec"), env=env, cwd=tmp_path,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert arena("verify", str(tmp_path / "rec"), env=env).returncode == 0
    # Both seats' buttons reach the game: the tanks' RAM changes under seat 2 alone too.
    search = arena(
        "ram", "search", str(profile), "--movie", next(str(m) for m in (tmp_path / "rec").rglob("*.bk2")),
        "--changed", "1:300", env=env,
    )  # fmt: skip
    assert search.returncode == 0 and "left" in search.stdout, search.stderr


@pytest.mark.parametrize(
    ("make", "args", "message"),  # make: the suffix of a file that is not a ROM
    [
        (".a26", [], "is no Atari 2600 cartridge's size"),  # 1,000 bytes of text: no ROM
        (".xyz", [], "stable-retro has no core for .xyz"),
        (None, ["--name", "../x"], "is not a plain name"),
        (None, ["--name", "Pong"], "stable-retro integrates Pong-Atari2600-v0 already"),
        (None, ["--var", "far=0x9999:|u1"], "outside the system's memory"),
        (None, ["--var", "score"], "expected NAME=ADDRESS:TYPE"),
        (None, ["--start", '[["JUMP", 3]]'], "'JUMP' is no button of Atari2600"),
        (None, ["--system", "Amiga"], "stable-retro has no core for it"),
    ],
)
def test_bad_integrate_input_is_one_line_and_leaves_nothing(combat, tmp_path, make, args, message):
    rom = combat
    if make is not None:  # a file that is not a ROM
        rom = tmp_path / f"rom{make}"
        rom.write_bytes(b"x" * 1000)
    options = {"--name": "Mine", "--var": "p1_x=0x80:|u1"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for key, value in {**options, **given}.items() for x in (key, value)]
    result = arena("integrate", str(rom), *flat, env={"ARENA_HOME": str(tmp_path / "home")},
                   cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    store = tmp_path / "home" / "integrations"
    assert not store.exists() or not any(store.iterdir())
    assert not list(tmp_path.glob("*.yaml"))
