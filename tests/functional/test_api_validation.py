"""The Python APIs refuse what a profile's schema refuses, before any emulator exists, and an
env called out of order says so without playing anything."""

import re

import gymnasium
import pytest

import arena
from arena.errors import CallOrderError


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"frame_stack": 0}, "frame_stack: expected a whole number from 1 to 64, got 0"),
        ({"resize": (0, 0)}, "resize: expected a list of 2 whole numbers from 1 to 1024"),
        ({"crop": (-1, 0, 0, 0)}, "crop: expected a list of 4 whole numbers from 0 to 1024"),
        ({"grayscale": "yes"}, "grayscale: expected true or false"),
        (
            {"frame_stak": 2},
            "unknown observation keyword 'frame_stak' (did you mean 'frame_stack'?)",
        ),
    ],
)
def test_make_checks_keywords_as_the_profile_schema_does(keywords, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        arena.make("mario", **keywords)
    env = arena.make("pong")  # the failed make held no emulator, even with its error alive
    env.close()
    assert error.value is not None


def test_a_failed_gymnasium_make_leaves_the_emulator_free():
    with pytest.raises(ValueError, match="unknown observation keyword 'frame_skip'") as error:
        gymnasium.make("retro_arena/mario-v0", frame_skip=-1)
    env = arena.make("pong")
    env.close()
    assert error.traceback is not None  # still alive, as in a notebook


def test_step_before_reset_is_a_clear_error():
    env = arena.make("airstriker")
    try:
        with pytest.raises(
            CallOrderError, match=r"step\(\) before reset\(\)\. call env.reset\(\) first"
        ):
            env.step(0)
        env.reset(seed=0)
        env.step(0)
    finally:
        env.close()


def test_a_parallel_env_step_after_the_end_plays_nothing():
    env = arena.parallel_env("pong", "Start.2P", max_frames=40)
    try:
        env.reset(seed=0)
        while env.agents:
            env.step({"player_1": 0, "player_2": 0})
        frame = env.env.frame
        with pytest.raises(CallOrderError, match="after the episode ended"):
            env.step({"player_1": 0, "player_2": 0})
        assert env.env.frame == frame
    finally:
        env.close()


@pytest.mark.parametrize(
    "order",
    [
        # Gymnasium's documented route, in either order:
        "import gymnasium\nimport arena.envs\ngymnasium.register_envs(arena.envs)",
        "import arena.envs\nimport gymnasium\ngymnasium.register_envs(arena.envs)",
        # `import arena` where Gymnasium is already imported:
        "import gymnasium\nimport arena",
    ],
)
def test_the_gymnasium_ids_are_registered_by_gymnasiums_route(order):
    import subprocess
    import sys

    script = order + (
        "\nenv = gymnasium.make('retro_arena/pong-v0')"
        "\nprint(env.reset(seed=0)[0].shape)\nenv.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(4, 84, 84)" in result.stdout


def test_import_arena_patches_no_import_machinery():
    """No import hook: `import arena` leaves sys.meta_path as it found it."""
    import subprocess
    import sys

    script = "import sys\nbefore = list(sys.meta_path)\nimport arena\nprint(sys.meta_path == before)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr
