"""Turns a replayed movie into an .mp4 (H.264), a .webm (VP9), a .gif or a window, with a small
overlay."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from arena.core.errors import ArenaError, UsageError
from arena.emulation.movies import ReplayFrame

EMULATOR_FPS = 60


def overlay(screen: np.ndarray, frame: int, returns: list[float], scale: int) -> np.ndarray:
    """The screen scaled up, in BGR, with the frame number and return so far in a corner."""
    image = cv2.cvtColor(screen, cv2.COLOR_RGB2BGR)
    if scale > 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    text = f"frame {frame}"
    if returns:
        text += "  return " + " / ".join(f"{r:.1f}" for r in returns)
    font, size, thickness = cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale, max(1, scale // 2)
    (width, height), _ = cv2.getTextSize(text, font, size, thickness)
    bottom = image.shape[0]  # bottom-left: the games' own score and timer sit at the top
    cv2.rectangle(image, (0, bottom - height - 10), (width + 8, bottom), (0, 0, 0), -1)
    cv2.putText(image, text, (4, bottom - 5), font, size, (255, 255, 255), thickness, cv2.LINE_AA)
    return image


# What browsers play: H.264 in MP4 (yuv420p, and the index at the front so playback starts
# before the whole file arrives), VP9 in WebM. Quality: visually clean at small sizes.
CODECS = {
    ".mp4": ("libx264", {"crf": "23", "preset": "medium", "movflags": "+faststart"}),
    ".webm": ("libvpx-vp9", {"crf": "32", "b": "0", "deadline": "good", "cpu-used": "4"}),
}


class VideoSink:
    """Writes BGR frames to an .mp4 (H.264) or .webm (VP9) through PyAV, or to a .gif (every
    ``gif_stride``-th frame); the file appears only once it is whole."""

    def __init__(self, path: Path, gif_stride: int = 3, fps: int = EMULATOR_FPS) -> None:
        suffix = path.suffix.lower()
        if suffix not in (*CODECS, ".gif"):
            raise UsageError(f"cannot write {path.name}: the video must end in .mp4, .webm or .gif")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.gif = path, suffix == ".gif"
        self.tmp = path.with_name(f".{path.stem}.part{path.suffix}")
        self.stride, self.fps = gif_stride, fps
        self.frames: list[np.ndarray] = []
        self.container: Any = None
        self.stream: Any = None
        self.count = 0

    def write(self, image: np.ndarray) -> None:
        self.count += 1
        if self.gif:
            if (self.count - 1) % self.stride == 0:
                self.frames.append(image)
            return
        if self.container is None:
            self._open(*image.shape[:2])
        import av

        height, width = self.stream.height, self.stream.width
        frame = av.VideoFrame.from_ndarray(_even(image, height, width), format="bgr24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def _open(self, height: int, width: int) -> None:
        import av

        codec, options = CODECS[self.path.suffix.lower()]
        try:
            self.container = av.open(str(self.tmp), mode="w")
            self.stream = self.container.add_stream(codec, rate=self.fps, options=options)
        except (av.FFmpegError, ValueError) as exc:
            raise ArenaError(f"cannot write {self.path}: {exc}") from None
        self.stream.width, self.stream.height = width + width % 2, height + height % 2
        self.stream.pix_fmt = "yuv420p"  # what every browser decodes

    def close(self) -> None:
        if self.container is not None:
            for packet in self.stream.encode():  # flush the encoder
                self.container.mux(packet)
            self.container.close()
        elif self.gif and self.frames:
            if not hasattr(cv2, "imwriteanimation"):
                raise ArenaError("writing a .gif needs OpenCV >= 4.11", "write an .mp4 instead")
            animation = cv2.Animation()
            animation.frames = self.frames
            animation.durations = [round(1000 * self.stride / EMULATOR_FPS)] * len(self.frames)
            animation.loop_count = 0
            if not cv2.imwriteanimation(str(self.tmp), animation):
                raise ArenaError(f"OpenCV could not write {self.path}")
        if self.tmp.exists():
            os.replace(self.tmp, self.path)

    @property
    def written(self) -> int:
        """Frames the file holds: every replayed frame, or every ``gif_stride``-th in a GIF."""
        return len(self.frames) if self.gif else self.count

    def describe(self) -> str:
        """``N frames`` (a GIF: which of the replay's frames it keeps)."""
        if self.gif and self.stride > 1:
            return f"{self.written} frames: one in {self.stride} of the replay's {self.count}"
        return f"{self.written} frames"

    def discard(self) -> None:
        if self.container is not None:
            self.container.close()
        self.tmp.unlink(missing_ok=True)


def _even(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``image`` padded with black to the stream's even size (4:2:0 needs even sides)."""
    if image.shape[:2] == (height, width):
        return image
    padded = np.zeros((height, width, 3), np.uint8)
    padded[: image.shape[0], : image.shape[1]] = image
    return padded


class Window:
    """A window on the desktop (pyglet, as stable-retro's own viewer uses)."""

    def __init__(self) -> None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            raise UsageError(
                "--window needs a display and none is set (DISPLAY is empty)",
                "write a file with --video out.mp4 instead",
            )
        from stable_retro.rendering import SimpleImageViewer

        self.viewer = SimpleImageViewer()
        self.next_frame = time.perf_counter()

    def write(self, image: np.ndarray) -> None:
        """Show one frame, paced to the console's 60 frames per second."""
        self.next_frame += 1 / EMULATOR_FPS
        time.sleep(max(0.0, self.next_frame - time.perf_counter()))
        self.viewer.imshow(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        self.viewer.close()

    discard = close


def inputs_image(values: np.ndarray, low: float, high: float, height: int) -> np.ndarray:
    """A 2-D observation drawn as a grid of cells ``height`` pixels tall (RGB): positive
    values white, negative ones red (MarI/O's enemies), zero black; the centre cell (the
    player's, in a view centred on them) outlined in green."""
    if values.ndim != 2:
        raise UsageError(f"--inputs: only 2-D inputs can be drawn, these are {values.shape}")
    extent = max(abs(low), abs(high), 1e-9)
    level = np.clip(values.astype(np.float32) / extent, -1, 1)
    cells = np.zeros((*values.shape, 3), np.uint8)
    cells[level > 0] = (255 * level[level > 0, None]).astype(np.uint8)
    cells[level < 0, 0] = (-255 * level[level < 0]).astype(np.uint8)
    side = max(1, height // values.shape[0])
    image = np.repeat(np.repeat(cells, side, axis=0), side, axis=1)
    image[::side, :] = image[:, ::side] = 64  # grid lines
    row, column = values.shape[0] // 2, values.shape[1] // 2  # the player's cell: outlined
    cv2.rectangle(
        image, (column * side, row * side), ((column + 1) * side, (row + 1) * side), (0, 200, 0)
    )
    padded = np.zeros((height, image.shape[1] + 1, 3), np.uint8)
    padded[: image.shape[0], 1:] = image
    return padded


def render(
    frames: Iterable[ReplayFrame],
    sinks: list[VideoSink | Window],
    scale: int = 2,
    beside: Callable[[ReplayFrame], np.ndarray] | None = None,
) -> int:
    """Draw every replayed frame into each sink, with ``beside(frame)`` (an RGB image as tall
    as the screen) to its right when given; return the number of frames."""
    count = 0
    try:
        for replayed in frames:
            screen = replayed.screen()
            if beside is not None:
                screen = np.hstack([screen, beside(replayed)])
            image = overlay(screen, replayed.frame, replayed.returns, scale)
            for sink in sinks:
                sink.write(image)
            count = replayed.frame
    except BaseException:
        for sink in sinks:
            sink.discard()
        raise
    for sink in sinks:
        sink.close()
    return count
