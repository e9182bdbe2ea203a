"""The front door: a fast `arena --help`, plain one-line errors, `arena info`, `roms list`,
one-line Gymnasium and PettingZoo envs, and agent tracebacks under --debug."""

import json
import subprocess
import sys

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

import arena
from arena.cli.listings import info_keys
from conftest import arena as run_arena
from conftest import installed_plugin

HEAVY = {"numpy", "torch", "neat", "cv2", "gymnasium", "stable_retro", "pluggy", "pydantic"}


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_no_plugin_or_heavy_package(args):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "arena.cli", *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    tops = {name.split(".")[0] for name in imported}
    assert not tops & HEAVY, tops & HEAVY
    assert not any(name.startswith("arena.plugins") for name in imported)


def test_help_lists_every_command_in_plain_text():
    result = run_arena("--help")
    for command in ("run", "train", "bench", "match", "info", "roms", "plugins", "play"):
        assert f"\n  {command} " in result.stdout
    assert "``" not in result.stdout


@pytest.mark.parametrize(
    "command",
    [["run"], ["train", "ppo"], ["train", "neat-ff"], ["bench"], ["info"], ["roms", "list"]],
)
def test_every_help_is_plain(command):
    result = run_arena(*command, "--help")
    assert result.returncode == 0 and "``" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--gmae", "mario"], "unknown option --gmae (did you mean '--game'?)"),
        (["rnu"], "unknown command 'rnu' (did you mean 'run'?)"),
        (["train", "pop"], "unknown trainer 'pop' (did you mean 'ppo'?)"),
        (["run"], "missing --game (see `arena run --help`)"),
        (["info", "maro"], "unknown game 'maro' (did you mean 'mario'?)"),
        (["info", "mario", "--state", "Level9-9"], "unknown mario state 'Level9-9'"),
        (["play", "x.bk2", "--scale", "9"], "--scale: 9 is not in the range 1<=x<=8"),
    ],
)
def test_usage_errors_are_one_line_with_the_fix(args, message, tmp_path):
    result = run_arena(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_info_tells_a_profile_author_everything_about_a_game():
    result = run_arena("info", "mario")
    assert result.returncode == 0, result.stderr
    for expected in (
        "Level1-1                     1P; default",
        "right_run_jump       RIGHT + A + B",
        "buttons of Nes: B, SELECT, START, UP, DOWN, LEFT, RIGHT, A",
        "xscrollLo                address 1820  type |u1",
        "x                        = xscrollHi * 256 + xscrollLo",
        "level_cleared",
        "time_limit               18000 frames",
        "observation: gray, 84x84",
    ):
        assert expected in result.stdout, expected
    two_player = run_arena("info", "pong", "--state", "Start.2P")
    assert "reward terms, player 2" in two_player.stdout
    assert "(player 2: P1:RIGHT)" in two_player.stdout


def test_the_info_keys_arena_info_lists_are_those_an_agent_receives(host):
    profile = host.profile("mario")
    env = arena.make("mario", max_frames=100)
    try:
        _, info = env.reset(seed=0)
        _, _, _, _, info = env.step(0)
    finally:
        env.close()
    assert list(info) == info_keys(profile, "Level1-1")


def test_roms_list_shows_installed_games_without_a_profile():
    short = run_arena("roms", "list")
    assert "ok       mario" in short.stdout
    assert "more installed game(s) have no profile (arena roms list --all)" in short.stdout
    every = run_arena("roms", "list", "--all")
    assert "  Breakout-Atari2600-v0" in every.stdout
    assert "Pong-Atari2600-v0  " not in every.stdout.split("installed without a profile")[1]


def test_an_env_from_a_name_in_one_line_and_arena_env_takes_only_a_profile():
    with pytest.raises(TypeError, match=r"use arena.make\('mario'\)"):
        arena.ArenaEnv("mario", "Level1-1")
    env = arena.make("mario", "Level1-1")
    try:
        observation, _ = env.reset(seed=0)
        assert observation.shape == (4, 84, 84)
    finally:
        env.close()


def test_gymnasium_make_gives_a_checked_env():
    env = gymnasium.make("retro_arena/mario-v0", state="Level1-1", max_frames=400)
    try:
        # stable-retro allows one emulator per process: the checks that build a second env
        # while this one is open (render modes, close) are done below instead.
        check_env(env.unwrapped, skip_render_check=True, skip_close_check=True)
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (224, 240, 3) and frame.dtype.name == "uint8"
    finally:
        env.close()
    again = gymnasium.make("retro_arena/pong-v0", sticky=0.25)  # after close, a new one works
    again.reset(seed=1)
    again.close()


def test_two_player_states_are_pettingzoo_parallel_envs():
    env = arena.parallel_env("pong", state="Start.2P", max_frames=3000)
    try:
        parallel_api_test(env, num_cycles=500)
        observations, _ = env.reset(seed=0)
        assert set(observations) == {"player_1", "player_2"}
        _, rewards, _, _, _ = env.step({"player_1": 0, "player_2": 1})
        assert set(rewards) == {"player_1", "player_2"}
    finally:
        env.close()
    with pytest.raises(ValueError, match="a ParallelEnv needs a 2-player state"):
        arena.parallel_env("pong", state="Start")


def test_debug_shows_an_agents_traceback_and_the_sidecar_keeps_it(tmp_path):
    env = installed_plugin(
        tmp_path,
        "boom",
        "from arena import Agent, hookimpl\n"
        "class Boom(Agent):\n"
        "    def act(self, observation, info, state):\n"
        "        return {}['x'], state\n"
        "@hookimpl\n"
        "def arena_register_agents(register):\n"
        "    register('boom', lambda context: Boom())\n",
    )
    args = ["run", "--game", "airstriker", "--agent", "boom", "--record", str(tmp_path / "r")]
    plain = run_arena(*args, "--quiet", env=env)
    assert "forfeit: KeyError: 'x'" in plain.stdout and "Traceback" not in plain.stdout
    debug = run_arena("--debug", *args, "--quiet", env=env)
    assert "Traceback (most recent call last)" in debug.stdout
    assert 'boom_plugin_module.py", line 4, in act' in debug.stdout
    sidecar = json.loads(next((tmp_path / "r").glob("*.json")).read_text())
    assert "line 4, in act" in sidecar["traceback"]


def test_reading_profiles_creates_no_folder(tmp_path):
    home = tmp_path / "arena-home"  # an ARENA_HOME that does not exist yet
    for args in (["info", "airstriker"], ["roms", "list"], ["plugins"]):
        result = run_arena(*args, env={"ARENA_HOME": str(home)})
        assert result.returncode == 0, result.stderr
    assert not home.exists()
