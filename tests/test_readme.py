"""The README's two set-up commands are the ones that exist: CI runs the second verbatim."""

import re
import subprocess
import sys

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


def section_blocks(heading: str, language: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.+?)\n```", section, re.S)


def test_the_one_line_env_examples_run_as_written():
    blocks = section_blocks("Gymnasium and PettingZoo in one line", "python")
    assert len(blocks) == 3
    for block in blocks:
        # Each block on its own, in a fresh process, as a user pastes it; then step once.
        check = block + "\nenv.reset(seed=0)\nprint(type(env).__name__)\nenv.close()\n"
        result = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, (block, result.stderr[-2000:])
