"""Screen to observation: max-pool, crop, grayscale, resize, frame stack (OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np

from arena.profiles import ObservationSpec

MAX_OBSERVATION_BYTES = 64 * 2**20
"""An observation (the whole frame stack) may take at most 64 MiB: 20x the largest Atari-style
pipeline anyone trains on, and a bound on what a profile can make each env allocate."""


class FramePipeline:
    """Turns raw RGB screens into stacked observations as the profile's spec says.

    Gray observations are (stack, height, width), channels first as PyTorch wants them;
    color ones are (stack, height, width, 3). ``mirror`` flips every frame left to right
    (player 2's view in games whose profile sets ``mirror_p2``).
    """

    def __init__(
        self, spec: ObservationSpec, screen_shape: tuple[int, ...], mirror: bool = False
    ) -> None:
        self.spec = spec
        self.mirror = mirror
        height, width = screen_shape[:2]
        top, bottom, left, right = spec.crop or (0, 0, 0, 0)
        if top + bottom >= height or left + right >= width:
            raise ValueError(f"crop {spec.crop} leaves nothing of a {height}x{width} screen")
        self._rows = slice(top, height - bottom)
        self._cols = slice(left, width - right)
        frame_hw = spec.resize or (height - top - bottom, width - left - right)
        frame_shape = (*frame_hw, 3) if not spec.grayscale else frame_hw
        self.shape: tuple[int, ...] = (spec.frame_stack, *frame_shape)
        if int(np.prod(self.shape)) > MAX_OBSERVATION_BYTES:
            raise ValueError(
                f"a stack of {spec.frame_stack} frames of {frame_shape} is "
                f"{np.prod(self.shape) / 2**20:.0f} MiB, over the limit of "
                f"{MAX_OBSERVATION_BYTES // 2**20} MiB"
            )
        self._stack = np.zeros(self.shape, np.uint8)
        self._pooled = np.zeros(screen_shape, np.uint8)

    def frame(self, screens: list[np.ndarray]) -> np.ndarray:
        """One processed frame from the screens of one agent step (pooled when there are two)."""
        screen = screens[-1]
        if self.spec.max_pool and len(screens) > 1:
            screen = np.maximum(screens[-2], screens[-1], out=self._pooled)
        image = screen[self._rows, self._cols]
        if self.spec.grayscale:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        if self.spec.resize is not None:
            height, width = self.spec.resize
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        return image[:, ::-1] if self.mirror else image

    def reset(self, screen: np.ndarray) -> np.ndarray:
        """Fill the stack with the first frame and return the first observation."""
        self._stack[:] = self.frame([screen])
        return self._stack.copy()

    def push(self, screens: list[np.ndarray]) -> np.ndarray:
        """Add the frame of one agent step and return the new observation."""
        self._stack[:-1] = self._stack[1:]
        self._stack[-1] = self.frame(screens)
        return self._stack.copy()

    @property
    def screens_needed(self) -> int:
        """How many of an agent step's last frames need their screen read."""
        return 2 if self.spec.max_pool else 1
