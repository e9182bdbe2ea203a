"""Helpers for tests of ``arena serve``: the real server in its own process (started as a
user starts it, its URL read from the line it prints), and a WebSocket client speaking the
page's messages."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import struct
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FRAME = struct.Struct("<4sIHHIddI")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    runs: Path
    lines: list[str] = field(default_factory=list)

    @property
    def ws(self) -> str:
        return self.url.split("?")[0].replace("http://", "ws://")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url.split("?")[0] + path.lstrip("/"))
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def stop(self) -> str:
        """Ctrl-C, as a person stops it; what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=60)
        return "".join(self.lines) + (out or "")


@contextlib.contextmanager
def served(runs: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``arena serve --runs RUNS --port 0 ARGS``, until the block ends."""
    command = ["serve", "--runs", str(runs), "--port", "0", *args]
    with serving(command, runs, env=env) as server:
        yield server


@contextlib.contextmanager
def serving(
    args: list[str], runs: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``arena ARGS`` (a serve command line), until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        cwd=cwd,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # waits for the line with the URL, however long it takes
        lines.append(line)
        found = re.search(r"(http://\S+)", line)
        if found:
            break
    else:
        process.wait()
        raise AssertionError(f"arena serve did not start: {''.join(lines)}")
    server = Server(found.group(1), process, runs, lines)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Frame:
    frame: int
    width: int
    height: int
    samples: int
    returns: tuple[float, float]
    acked: int


def frame_of(message: bytes) -> Frame:
    magic, frame, width, height, samples, r1, r2, acked = FRAME.unpack_from(message)
    assert magic == b"ARF1"
    assert len(message) == FRAME.size + width * height * 3 + samples * 4
    return Frame(frame, width, height, samples, (r1, r2), acked)


def until_text(ws: Any) -> tuple[list[Frame], dict[str, Any]]:
    """The frames that come before the next text message, and that message."""
    frames = []
    while True:
        message = ws.recv(timeout=120)
        if isinstance(message, bytes):
            frames.append(frame_of(message))
        else:
            return frames, json.loads(message)


def frames(ws: Any, n: int) -> list[Frame]:
    """The next ``n`` frames (a text message before them fails the test)."""
    found = []
    while len(found) < n:
        message = ws.recv(timeout=120)
        if isinstance(message, str) and json.loads(message)["type"] == "panel":
            continue  # the tools' panel, beside each frame
        assert isinstance(message, bytes), message
        found.append(frame_of(message))
    return found


def results(runs: Path) -> list[dict[str, Any]]:
    path = runs / "results.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def mario_home(folder: Path) -> dict[str, str]:
    """An ARENA_HOME of its own holding Mario's integration (as `arena roms fetch` installs
    it), so that states saved by a test go there and not into the real store."""
    import shutil

    from arena.retro import integrations

    rom = integrations.find_rom(integrations.MARIO_GAME)
    assert rom is not None, "run `arena roms fetch` first"
    shutil.copytree(rom.parent, folder / "integrations" / integrations.MARIO_GAME)
    return {"ARENA_HOME": str(folder)}


def text(ws: Any, kind: str) -> dict[str, Any]:
    """The next text message of type ``kind`` (frames and panels before it skipped)."""
    while True:
        message = ws.recv(timeout=120)
        if isinstance(message, str):
            found = json.loads(message)
            if found["type"] in (kind, "error", "ended") or (
                found["type"] == "refused" and kind == "reply"
            ):
                return found


def wait_for(check: Any, tries: int = 600) -> Any:
    """Poll ``check`` until the state it looks for has come (a results line written, a
    process gone: states another process makes, with no event to block on), for at most a
    minute; what it found."""
    import time

    for _ in range(tries):
        found = check()
        if found:
            return found
        time.sleep(0.1)  # the poll's interval, not the wait: the state ends it
    raise AssertionError("the state never came")
