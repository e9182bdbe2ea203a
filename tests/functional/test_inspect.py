"""`arena inspect`: the episode's video beside per-frame plots, checked in headless Chromium
against a replay of the same movie."""

import re
import shutil

import pytest

from arena.emulation.movies import replay
from conftest import arena, chromium


def _dom_at(page, fragment, tmp_path):
    profile = f"--user-data-dir={tmp_path / 'chromium'}"
    return chromium(profile, "--dump-dom", f"{page.as_uri()}#{fragment}").stdout


def _dom(page, frame, tmp_path):
    """The page's DOM once the video has seeked to ``frame``: Chromium dumps it when its time
    budget ends, and a busy machine may not have decoded the video by then, so up to 3 tries."""
    for _ in range(3):
        dom = _dom_at(page, f"frame={frame}", tmp_path)
        if "data-seeked=" in dom:
            break
    return dom


@pytest.mark.slow
def test_the_inspector_shows_a_replays_values_at_the_frame_it_seeks_to(tmp_path):
    folder = tmp_path / "movies"
    played = arena(
        "run", "--game", "mario_lives", "--seed", "1", "--max-frames", "3000",
        "--record", str(folder), "--quiet",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    [movie] = folder.glob("*.bk2")
    inspected = arena("inspect", str(movie), "--out", str(tmp_path / "page"))
    assert inspected.returncode == 0, inspected.stderr
    page = tmp_path / "page" / "index.html"
    assert (tmp_path / "page" / "episode.mp4").stat().st_size > 0
    # What a replay of the movie holds at two frames: Mario's lives (data.json's |i1 at 0x075A).
    lives = {}
    for replayed in replay(movie, None, None):
        if replayed.frame in (100, 900):
            lives[replayed.frame] = replayed.emulator.memory.extract(0x075A, "|i1")
    for frame in (100, 900):
        dom = _dom(page, frame, tmp_path)
        assert f'data-seeked="{frame}"' in dom and f'data-frame="{frame}"' in dom, dom[-1500:]
        assert float(re.search(r'data-duration="([\d.]+)"', dom).group(1)) > 20  # the video loads
        shown = re.search(r'<td data-name="lives">([^<]*)</td>', dom).group(1)
        assert float(shown) == lives[frame], (frame, shown, lives[frame])
        assert dom.count('class="plot"') >= 10  # RAM, variables, reward terms, progress, buttons
        for name in ("death", "life", "progress", "P1 RIGHT"):
            assert f'data-name="{name}"' in dom
    assert "the done condition <strong>game_over</strong> was met at frame" in page.read_text()
    for _ in range(3):  # the video plays (its clock runs), as a busy machine allows
        played = _dom_at(page, "play", tmp_path)
        if "data-played=" in played:
            break
    assert float(re.search(r'data-played="([\d.]+)"', played).group(1)) > 0, played[-800:]
    # The frame the page shows is the one `arena state save --frame` takes.
    from arena.emulation.emulator import Emulator
    from arena.retro import integrations
    from arena.retro.state_files import read_file

    rom = integrations.find_rom(integrations.MARIO_GAME)
    shutil.copytree(rom.parent, tmp_path / "home" / "integrations" / integrations.MARIO_GAME)
    saved = arena("state", "save", str(movie), "--frame", "900", "--name", "inspected",
                  env={"ARENA_HOME": str(tmp_path / "home")})  # fmt: skip
    assert saved.returncode == 0, saved.stderr

    state = tmp_path / "home" / "integrations" / integrations.MARIO_GAME / "inspected.state"
    emulator = Emulator(integrations.MARIO_GAME)
    try:
        emulator.load_state(read_file(state))
        assert emulator.memory.extract(0x075A, "|i1") == lives[900]
    finally:
        emulator.close()


def test_inspecting_a_movie_without_its_sidecar_is_one_line(tmp_path):
    movie = tmp_path / "x.bk2"
    movie.write_bytes(b"not a movie")
    result = arena("inspect", str(movie))
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.inspect").exists()
