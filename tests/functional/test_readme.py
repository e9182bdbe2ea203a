"""The README's two set-up commands are the ones that exist (CI runs the second verbatim), and
the docs' walkthroughs run as written."""

import re
import subprocess
import sys

import pytest
import yaml

import docs_pages
from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [c.strip() for c in re.findall(r"```bash\n(.+?)\n\s*```", setup)]


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "arena run --game mario" in commands[0] and "arena play" in commands[0]
    assert commands[1].endswith("pytest")


def test_ci_runs_the_readme_test_command():
    assert readme_commands()[1].strip() in (ROOT / ".ci" / "run").read_text()


def test_the_getting_started_page_has_the_readme_commands():
    page = docs_pages.blocks(docs_pages.section("docs/getting-started.md", "Set up"), "bash")
    assert [c.strip() for c in page] == readme_commands()


def section_blocks(page: str, heading: str, language: str) -> list[str]:
    return docs_pages.blocks(docs_pages.section(page, heading), language)


def run_in_order(blocks: list[str], folder, env: dict[str, str]) -> list[str]:
    """Each bash block in turn, in one folder, as a user follows a section; their outputs."""
    outputs = []
    for block in blocks:
        result = subprocess.run(
            ["bash", "-e", "-c", block], capture_output=True, text=True, cwd=folder, env=env,
            timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, (block, result.stdout[-1500:], result.stderr[-1500:])
        outputs.append(result.stdout)
    return outputs


def test_the_one_line_env_examples_run_as_written():
    blocks = section_blocks("docs/gymnasium.md", "Gymnasium and PettingZoo in one line", "python")
    assert len(blocks) == 3
    for block in blocks:
        # Each block on its own, in a fresh process, as a user pastes it; then step once.
        check = block + "\nenv.reset(seed=0)\nprint(type(env).__name__)\nenv.close()\n"
        result = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, (block, result.stderr[-2000:])


@pytest.mark.slow
def test_the_make_a_game_yours_blocks_run_as_written(tmp_path):
    import shutil

    from arena.retro import integrations

    # A store of its own, holding what `arena roms fetch` installed for Mario and Pong.
    home = tmp_path / "home"
    for game in (integrations.MARIO_GAME, "Pong-Atari2600-v0"):
        rom = integrations.find_rom(game)
        assert rom is not None, "run `arena roms fetch` first"
        shutil.copytree(rom.parent, home / "integrations" / game)
    env = {**__import__("os").environ, "ARENA_HOME": str(home)}
    blocks = section_blocks("docs/make-a-game-yours.md", "Make a game yours", "bash")
    assert len(blocks) == 4
    outputs = run_in_order(blocks, tmp_path, env)
    assert "saved SuperMarioBros-Nes-v0 state 'my-start'" in outputs[0]
    assert "3 of 3 probes passed" in outputs[1]
    assert "0x075A (1882)" in outputs[2] and "1 left" in outputs[2]
    assert (tmp_path / "runs/lives/mario_lives-Level1-1-random-seed1.inspect/index.html").is_file()
    yaml_block = section_blocks("docs/make-a-game-yours.md", "Make a game yours", "yaml")[0]
    assert yaml_block in (ROOT / "games" / "mario_lives.yaml").read_text()


@pytest.mark.slow
def test_the_bring_a_game_blocks_run_as_written(tmp_path):
    """The walkthrough from a ROM in ale-py's wheel to a proved profile, in a fresh folder
    and store (the wheels `arena roms fetch` downloaded, so nothing is downloaded again)."""
    import os

    from arena.retro import integrations

    home = tmp_path / "home"
    home.mkdir()
    (home / "wheels").symlink_to(integrations.arena_home() / "wheels")
    env = {**os.environ, "ARENA_HOME": str(home)}
    blocks = section_blocks("docs/bring-a-game.md", "Bring a game stable-retro lacks", "bash")
    assert len(blocks) == 3
    outputs = run_in_order(blocks, tmp_path, env)
    assert "integrated MySurround-Atari2600-v0" in outputs[0]
    assert "2 left" in outputs[1] and "0x00F6 (246)" in outputs[1] and "0x00F7 (247)" in outputs[1]
    assert (tmp_path / "runs/surround/match.mp4").stat().st_size > 0
    assert "2 of 2 probes passed" in outputs[2] and "seat advantage" in outputs[2]
    built = section_blocks("docs/bring-a-game.md", "Bring a game stable-retro lacks", "yaml")[0]
    combat = (ROOT / "games" / "combat.yaml").read_text()
    assert all(line in combat for line in built.splitlines())


def test_profile_excerpts_are_the_profiles_own():
    """Every yaml block of the docs headed ``# games/NAME.yaml`` says what that profile says."""
    text = "\n".join(docs_pages.text(page) for page in docs_pages.pages())
    excerpts = re.findall(r"```yaml\n# (games/[\w.]+\.yaml)\n(.+?)\n```", text, re.S)
    assert len(excerpts) >= 2
    for path, block in excerpts:
        profile = yaml.safe_load((ROOT / path).read_text())
        for key, value in yaml.safe_load(block).items():
            assert profile[key] == value, (path, key)
