"""``arena inspect MOVIE``: a static page that shows a recorded episode's video beside plots of
everything its profile's rules saw, frame by frame, so that a profile author can check a rule.

The episode is replayed once (with the cheats its sidecar names): each frame's screen goes to
the video, and each frame's values to the plots: the RAM variables (data.json's and the
profile's, read every frame), the derived variables, every reward term's running total and the
progress measure (as of the last agent step, when the rules run), and each player's buttons.
The frame that met the done condition is marked. Clicking a plot seeks the video; the frame
number shown is the one ``arena state save --frame`` takes (the state after that many frames),
and ``index.html#frame=N`` opens the page at frame N.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.core.errors import OutputError
from arena.core.files import output_target
from arena.emulation.emulator import ram_layout
from arena.emulation.movies import ReplayFrame, profile_for_replay, read_sidecar, replay
from arena.emulation.video import EMULATOR_FPS, VideoSink, render
from arena.evaluation.pages import write_page
from arena.host.manager import PluginHost
from arena.play.probes import term_key

VIDEO = "episode.mp4"


@dataclass
class Inspection:
    """What the page shows: one row of values per frame (frame N is ``rows[N - 1]``), each
    value's group (ram, variable, reward, progress, buttons), and the done frame."""

    rows: list[dict[str, float]] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    done_frame: int | None = None
    done_reason: str | None = None

    def series(self) -> list[dict[str, Any]]:
        """Each value as a line over the frames (0 before it is first seen); buttons never
        pressed are left out."""
        lines = []
        for name, group in self.groups.items():
            values = [row.get(name, 0.0) for row in self.rows]
            if group != "buttons" or any(values):
                lines.append({"name": name, "group": group, "values": values})
        return lines


def _collected(
    frames: Iterator[ReplayFrame], found: Inspection, layout: Any
) -> Iterator[ReplayFrame]:
    """Pass the replayed frames on (to the video) while noting each one's values."""
    for replayed in frames:
        row: dict[str, float] = {}

        def note(name: str, group: str, value: float, row: dict[str, float] = row) -> None:
            found.groups.setdefault(name, group)
            row[name] = float(value)

        for name, value in replayed.emulator.read_ram(layout).items():
            note(name, "ram", value)
        rules = replayed.rules
        if rules is not None:
            for name in rules.profile.variables:
                note(name, "variable", rules.values.get(name, 0.0))
            for player, totals in enumerate(rules.term_totals):
                for term, total in totals.items():
                    note(term_key(player, term), "reward", total)
            if rules.profile.progress is not None:
                note("progress", "progress", rules.progress() or 0.0)
        buttons = replayed.emulator.buttons
        for player, mask in enumerate(replayed.masks):
            for index, pressed in enumerate(mask):
                if buttons[index]:
                    note(f"P{player + 1} {buttons[index]}", "buttons", int(pressed))
        if replayed.done_reason and found.done_frame is None:
            found.done_frame, found.done_reason = replayed.frame, replayed.done_reason
        found.rows.append(row)
        yield replayed


def inspect(movie: Path, host: PluginHost, out: Path) -> Path:
    """Write ``out/index.html`` and ``out/episode.mp4`` for ``movie``; returns the page."""
    sidecar = read_sidecar(movie)
    profile = profile_for_replay(host.profile_for_movie(sidecar, movie), sidecar)
    layout = ram_layout(profile.game, profile.ram)
    found = Inspection()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot make it ({exc.strerror or exc})") from None
    for name in (VIDEO, "index.html"):  # both checked before the replay: nothing half-made
        output_target(out / name, "--out")
    frames = replay(movie, profile, sidecar)
    render(_collected(frames, found, layout), [VideoSink(out / VIDEO)], scale=2)
    data = {
        "fps": EMULATOR_FPS,
        "frames": len(found.rows),
        "done_frame": found.done_frame,
        "done_reason": found.done_reason,
        "series": found.series(),
    }
    return write_page(
        out,
        "inspect.html.j2",
        title=f"retro-arena inspector: {movie.name}",
        movie=movie.name,
        profile=profile.name,
        state=sidecar.get("state"),
        protocol=sidecar.get("protocol"),
        video=VIDEO,
        data=json.dumps(data, separators=(",", ":")).replace("<", "\\u003c"),  # stays JSON
        frames=len(found.rows),
        done_frame=found.done_frame,
        done_reason=found.done_reason,
    )
