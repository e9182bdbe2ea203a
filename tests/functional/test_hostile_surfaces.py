"""The newer surfaces against hostile input (issue #31): scripts, sizes, names that become
paths, output files and a folder of movies with one bad sidecar. One clear line, a non-zero
exit, nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from arena.retro import integrations
from conftest import arena, cli, profile_copy


def one_line(result, code: int, message: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    rom = integrations.find_rom(integrations.MARIO_GAME)
    assert rom is not None
    shutil.copytree(rom.parent, home / "integrations" / integrations.MARIO_GAME)
    return {"ARENA_HOME": str(home)}


@pytest.fixture(scope="module")
def combat(tmp_path_factory) -> Path:
    [wheel] = (integrations.arena_home() / "wheels").glob("ale_py-*.whl")
    out = tmp_path_factory.mktemp("rom") / "combat.bin"
    out.write_bytes(zipfile.ZipFile(wheel).read("ale_py/roms/combat.bin"))
    return out


@pytest.fixture(scope="module")
def movie(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("movies")
    played = arena("run", "--game", "airstriker", "--max-frames", "200", "--record", str(folder),
                   "--quiet")  # fmt: skip
    assert played.returncode == 0, played.stderr
    [found] = folder.glob("*.bk2")
    return found


DEEP = "[" * 20_000 + "]" * 20_000  # within one argument's 128 KiB


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["state", "make", "mario", "--name", "X", "--inputs", DEEP], "--inputs: not a JSON list (nested more than"),
        (["state", "make", "mario", "--name", "X", "--inputs", json.dumps([["noop", 540_000]] * 100)],
         "--inputs[1]: the script reaches 4,320,000 frames here; a whole script plays at most 2,160,000"),
    ],
)  # fmt: skip
def test_scripts_are_bounded_in_depth_and_in_total(home, args, message):
    one_line(arena(*args, env=home), 2, message)
    assert not list((Path(home["ARENA_HOME"]) / "integrations" / integrations.MARIO_GAME).glob("X*"))


def test_integrate_start_is_bounded_too(combat, tmp_path):
    env = {"ARENA_HOME": str(tmp_path / "home")}
    deep = arena("integrate", str(combat), "--name", "C", "--var", "s=0x80:|u1", "--start", DEEP,
                 env=env, cwd=tmp_path)  # fmt: skip
    one_line(deep, 2, "--start: not a JSON list (nested more than")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "a/b"], "state name 'a/b' is not a plain name"),
        (["--name", "C", "--var", "if=0x80:|u1"], "'if' is a word of the rules' language"),
        (["--name", "C", "--var", "None=0x80:|u1"], "'None' is a word of the rules' language"),
        (["--name", "C", "--var", "lambda=0x80:|u1"], "'lambda' is a word of the rules' language"),
    ],
)
def test_integrate_names_are_checked_before_anything_is_made(combat, tmp_path, args, message):
    env = {"ARENA_HOME": str(tmp_path / "home")}
    if "--var" not in args:
        args = [*args, "--var", "s=0x80:|u1"]
    one_line(arena("integrate", str(combat), *args, env=env, cwd=tmp_path), 2, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder a, no skeleton, no store


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pokes": {"../../outside/pwn": {"address": 141, "type": "|u1", "value": 0}}},
         "pokes.../../outside/pwn: '../../outside/pwn' is not a plain name"),
        ({"pokes": {"big": {"address": 141, "type": "|u1", "value": 10**20}}},
         "pokes.big.value: 100000000000000000000 does not fit type '|u1' (0 to 255)"),
        ({"pokes": {"neg": {"address": 141, "type": "|d1", "value": -1}}},
         "pokes.neg.value: -1 does not fit type '|d1' (0 to 99)"),
    ],
)  # fmt: skip
def test_pokes_are_checked_when_the_profile_loads(tmp_path, changes, message):
    path = profile_copy(tmp_path, "pong", "pongx", **changes)
    one_line(cli("run", "--game", str(path), "--max-frames", "50"), 2, message)


def test_output_files_are_checked_before_the_replay(movie, tmp_path):
    page = tmp_path / "page"
    page.mkdir()
    os.mkfifo(page / "index.html")  # a write would wait for a reader for ever
    one_line(cli("inspect", str(movie), "--out", str(page)), 9, "is not a regular file (a FIFO")
    (page / "index.html").unlink()
    outside = tmp_path / "outside.html"
    (page / "index.html").symlink_to(outside)
    one_line(cli("inspect", str(movie), "--out", str(page)), 9, "is a symbolic link")
    assert not outside.exists()
    png = ["ram", "watch", "--movie", str(movie), "--address", "0x10", "--png"]
    one_line(cli(*png, str(tmp_path)), 9, "is a folder, not a file")
    one_line(cli(*png, str(tmp_path / "x.xyz")), 9, ".xyz is not a kind it writes")
    one_line(cli("play", str(movie), "--video", str(tmp_path / "x.avi")), 9, ".avi is not a kind")


def test_an_absurd_sidecar_is_one_line(movie, tmp_path):
    copy = tmp_path / movie.name
    shutil.copy(movie, copy)
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    copy.with_suffix(".json").write_text(json.dumps({**sidecar, "noops": 10**12}))
    one_line(cli("inspect", str(copy), "--out", str(tmp_path / "p")), 5,
             "sidecar field noops: input should be less than or equal to 10000")  # fmt: skip


def test_verify_of_a_folder_checks_every_movie_and_names_the_bad_one(movie, tmp_path):
    folder = tmp_path / "movies"
    folder.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(movie, folder / f"{name}.bk2")
        shutil.copy(movie.with_suffix(".json"), folder / f"{name}.json")
    sidecar = json.loads((folder / "a.json").read_text())
    sidecar["protocol"]["cheats"] = ["nope"]
    (folder / "a.json").write_text(json.dumps(sidecar))
    result = arena("verify", str(folder))
    assert result.returncode != 0
    assert f"FAIL  {folder / 'a.bk2'}: unknown cheat of profile 'airstriker' 'nope'" in result.stdout
    assert f"ok    {folder / 'b.bk2'}" in result.stdout and f"ok    {folder / 'c.bk2'}" in result.stdout
    assert "1 of 3 movies do not reproduce their sidecar" in result.stderr
    single = arena("verify", str(folder / "a.bk2"))
    assert single.returncode == 2 and str(folder / "a.bk2") in single.stderr


def test_a_suite_file_is_yaml_the_schema_checks(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"cells": [{"game": "pong", "max_frames": 10**12}]}))
    result = cli("bench", "random", "--suite", str(path), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "max_frames" in result.stderr, result.stderr
