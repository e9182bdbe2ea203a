"""``arena serve`` as a person feels it (issue #33): real Chromium plays Boxing 2-player in seat
1 against a PPO agent in seat 2, on this machine, over loopback (a bout lasts two minutes of the
game's clock, longer than a round).

Each round starts ``arena serve --entry ppo=ppo:MODEL``, opens the play page in Debian's
Chromium (through Playwright), and for ``--seconds`` presses and releases the arrow keys and
fire in turn, as a person does. The page itself measures (``window.arenaStats``): the frames
it drew, and for every key press the time from the key-down event to the first drawn frame whose
header says it holds that press. Reported per round, then as medians with min and max:

- frames drawn per second over the round (goal: at least 59.5 of the console's 60);
- key-down to drawn frame, median and 95th percentile (goal: p95 at most 50 ms);
- bytes the server sent per second;
- CPU per live game: the game's own process, and the server's process, as shares of a core.

    python benchmarks/serve_latency.py [--seconds 60] [--rounds 3] [--model CKPT]

Without ``--model`` a PPO is trained for a few thousand steps first (its play is not the
point: its network runs every 4 frames, as a trained one's does).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def train(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "arena.cli", "train", "ppo", "--game", "boxing", "--steps", "4096",
         "--envs", "2", "--set", "num_steps=128", "--out", str(folder)],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "model.ckpt"


def one_round(model: Path, seconds: float, runs: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "serve", "--runs", str(runs), "--port", "0",
         "--entry", f"ppo=ppo:{model}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert server.stdout is not None
    url = ""
    for line in server.stdout:
        found = re.search(r"(http://\S+)", line)
        if found:
            url = found.group(1)
            break
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.goto(url + "play/boxing?state=Start.2P&seat=1&opponent=ppo&player=bench")
            page.wait_for_function("window.arenaStats && arenaStats.frames > 60", timeout=120_000)
            [game] = [  # the live game's process (not multiprocessing's resource tracker)
                p for p in children(server.pid)
                if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
            ]  # fmt: skip
            start = page.evaluate("({frames: arenaStats.frames, bytes: arenaStats.bytes})")
            cpu_game, cpu_server = cpu_seconds(game), cpu_seconds(server.pid)
            page.evaluate("arenaStats.latencies = []")
            began = time.perf_counter()
            keys, turn = ("ArrowUp", "x", "ArrowDown", "x"), 0
            while time.perf_counter() - began < seconds:
                page.keyboard.down(keys[turn % 4])
                page.wait_for_timeout(150)  # a person's press: held a few frames
                page.keyboard.up(keys[turn % 4])
                page.wait_for_timeout(100)
                turn += 1
            wall = time.perf_counter() - began
            if page.evaluate("arenaStats.ended") is not None:
                raise SystemExit("the bout ended before the round did: give fewer --seconds")
            end = page.evaluate(
                "({frames: arenaStats.frames, bytes: arenaStats.bytes, "
                "latencies: arenaStats.latencies})"
            )
            used_game = cpu_seconds(game) - cpu_game
            used_server = cpu_seconds(server.pid) - cpu_server
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)
    latencies = sorted(end["latencies"])
    return {
        "frames/s": (end["frames"] - start["frames"]) / wall,
        "latency median ms": statistics.median(latencies),
        "latency p95 ms": latencies[int(0.95 * (len(latencies) - 1))],
        "presses": len(latencies),
        "kB/s sent": (end["bytes"] - start["bytes"]) / wall / 1000,
        "CPU game process %": 100 * used_game / wall,
        "CPU server process %": 100 * used_server / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model or train(Path(scratch) / "ppo")
        rounds = []
        for number in range(args.rounds):
            measured = one_round(model, args.seconds, Path(scratch) / f"runs{number}")
            rounds.append(measured)
            print(f"round {number + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in measured.items()))
    print(f"\n{args.rounds} rounds of {args.seconds:g} s, Boxing 2P, a person's seat against PPO")
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        print(
            f"  {key:<22} median {statistics.median(values):8.1f}   "
            f"min {min(values):8.1f}   max {max(values):8.1f}"
        )


if __name__ == "__main__":
    main()
