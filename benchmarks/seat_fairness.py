"""Fair two-player games: one agent against itself over side-swapped pairs, per game.

For each 2-player game, one ``arena tournament A A`` (two copies of one agent, 20 seeds, each
seed a pair of games with the seats swapped, under the evaluation protocol) and from its
``tournament.json``: the first copy's pair-level score share (a won pair 1, a drawn one 1/2)
with its Wilson 95% interval, and the game's seat advantage (seat 1's share of the points
scored, with its interval over pairs, and of the decided games). Target (issue #14): the
pair-level share's interval holds 0.5.

    python benchmarks/seat_fairness.py [--pairs 20] [--agent random] [--games combat,joust]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from arena.core.stats import wilson_interval

GAMES = {  # time limits: a random Fishing Derby is slow; Space War's clock runs 10 minutes
    "pong": 36000,
    "fishing_derby": 12000,
    "combat": 9000,
    "boxing": 9000,
    "surround": 18000,
    "joust": 18000,
    "space_war": 18000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--agent", default="random")
    parser.add_argument("--games", default=",".join(GAMES), help="comma-separated profiles")
    args = parser.parse_args()
    for game in args.games.split(","):
        max_frames = GAMES[game]
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, "-m", "arena.cli", "tournament", args.agent, args.agent,
                       "--game", game, "--episodes", str(args.pairs),
                       "--max-frames", str(max_frames), "--record", out]  # fmt: skip
            subprocess.run(command, check=True, capture_output=True)
            data = json.loads((Path(out) / "tournament.json").read_text())
        pairs = data["pairs"]
        first = pairs[0]["first"]
        won = sum(p["winner"] == first for p in pairs)
        drawn = sum(p["winner"] is None for p in pairs)
        share = (won + drawn / 2) / len(pairs)
        low, high = wilson_interval(round(share * len(pairs)), len(pairs))
        seat = data["seat_advantage"]
        held = "holds" if low <= 0.5 <= high else "DOES NOT hold"
        print(
            f"{game}: {first} against itself over {len(pairs)} pairs: won {won}, drawn {drawn}, "
            f"lost {len(pairs) - won - drawn}; share {share:.2f} [{low:.2f}, {high:.2f}] "
            f"({held} 0.5)"
        )
        print(
            f"{game}: seat 1 scored {seat['seat1_points']:g} of {seat['points']:g} points, "
            f"{seat['point_share']:.2f} [{seat['point_low']:.2f}, {seat['point_high']:.2f}]; "
            f"won {seat['seat1_wins']} of {seat['decided']} decided games, "
            f"{seat['share']:.2f} [{seat['low']:.2f}, {seat['high']:.2f}]"
        )


if __name__ == "__main__":
    main()
