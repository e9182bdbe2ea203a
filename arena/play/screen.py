"""Screen to observation: max-pool, crop, grayscale, resize, frame stack (OpenCV)."""

from __future__ import annotations

from math import gcd

import cv2
import numpy as np

from arena.play.observers import GameView, Observer
from arena.profiles.loading import ObservationSpec

MAX_OBSERVATION_BYTES = 64 * 2**20
"""An observation (the whole frame stack) may take at most 64 MiB: 20x the largest Atari-style
pipeline anyone trains on, and a bound on what a profile can make each env allocate."""


def _area_weights(size: int, out: int) -> tuple[np.ndarray, int]:
    """The block of an area resize from ``size`` to ``out`` pixels along one axis.

    With ``size/out = p/q`` in lowest terms, every p input pixels make q output pixels. Split
    each input pixel into q equal parts: output pixel o averages parts o*p .. o*p+p-1, so its
    weight on input pixel i is the number of i's parts among them (a whole number), over p.
    """
    common = gcd(size, out)
    p, q = size // common, out // common
    weights = np.zeros((q, p), np.float32)
    for o in range(q):
        for part in range(o * p, (o + 1) * p):
            weights[o, part // q] += 1
    return weights, p


class AreaResize:
    """Downscaling of a gray image by pixel-area averaging (OpenCV's ``INTER_AREA``), exact.

    The weights are whole numbers over a common denominator (see :func:`_area_weights`), so
    float32 matrix products give the exact integer sums and the result is the exact area
    average rounded half to even. OpenCV reaches the same values through float weights, 3x
    slower here (78 against 27 us for Mario's 224x240 to 84x84; the largest cost of an agent
    step after emulation): they differ only where an average falls exactly on .5 and OpenCV's
    float rounding lands it on the odd side, 6 pixels in a million on Mario, by one level.
    ``tests/test_env.py`` holds both to that.
    """

    MAX_DENOMINATOR = 4096
    """Larger blocks (awkward ratios) fall back to OpenCV: sums must stay exact in float32."""

    def __init__(self, shape: tuple[int, int], out: tuple[int, int]) -> None:
        (self.height, self.width), (self.out_height, self.out_width) = shape, out
        self.rows, self.row_block = _area_weights(self.height, self.out_height)
        columns, self.column_block = _area_weights(self.width, self.out_width)
        self.columns_t = np.ascontiguousarray(columns.T)
        self.denominator = self.row_block * self.column_block
        self._image = np.empty(shape, np.float32)

    @classmethod
    def applies(cls, shape: tuple[int, ...], out: tuple[int, int]) -> bool:
        """Whether a gray ``shape`` downscales to ``out`` exactly this way."""
        if len(shape) != 2 or out[0] > shape[0] or out[1] > shape[1]:
            return False
        rows = shape[0] // gcd(shape[0], out[0])
        columns = shape[1] // gcd(shape[1], out[1])
        return rows * columns <= cls.MAX_DENOMINATOR

    def __call__(self, image: np.ndarray) -> np.ndarray:
        np.copyto(self._image, image)  # to float32, into a buffer kept between calls
        blocks = self._image.reshape(-1, self.row_block, self.width)
        rows = (self.rows @ blocks).reshape(-1, self.column_block)
        sums = (rows @ self.columns_t).reshape(self.out_height, self.out_width)
        sums /= self.denominator  # exact on the .5 ties, at least 1/denominator off otherwise
        return np.rint(sums, out=sums).astype(np.uint8)


class ColorSwap:
    """Swaps pairs of exact RGB colors in a screen (player 2's view in games whose profile
    sets ``swap_colors_p2``: Boxing's black boxer drawn white, and white drawn black).

    It runs on each emulated screen before the max-pool, as if the console had drawn the
    other colors: swapping after the pool would turn a pixel pooled from two colors into a
    third. OpenCV's masks and masked copies take 0.12 ms for two colors of an Atari screen,
    half of what numpy's boolean indexing does.
    """

    def __init__(self, pairs: tuple[tuple[tuple[int, int, int], ...], ...]) -> None:
        self.moves = [(np.array(a, np.uint8), np.array(b, np.uint8)) for a, b in pairs]
        self.moves += [(b, a) for a, b in self.moves]
        self._fills: list[np.ndarray] = []  # each move's target color, a whole screen of it

    def __call__(self, screen: np.ndarray) -> np.ndarray:
        if not self._fills or self._fills[0].shape != screen.shape:
            self._fills = [np.full(screen.shape, to, np.uint8) for _, to in self.moves]
        masks = [cv2.inRange(screen, color, color) for color, _ in self.moves]
        swapped = screen.copy()
        for mask, fill in zip(masks, self._fills, strict=True):
            cv2.copyTo(fill, mask, dst=swapped)
        return swapped


class FramePipeline(Observer):
    """The ``screen`` inputs: raw RGB screens into stacked observations as the profile's
    ``observation`` spec says.

    Gray observations are (stack, height, width), channels first as PyTorch wants them;
    color ones are (stack, height, width, 3). ``mirror`` flips every frame left to right
    and ``swap`` recolors every screen (player 2's view in games whose profile sets
    ``mirror_p2`` or ``swap_colors_p2``).
    """

    def __init__(
        self,
        spec: ObservationSpec,
        screen_shape: tuple[int, ...],
        mirror: bool = False,
        swap: ColorSwap | None = None,
    ) -> None:
        self.spec = spec
        self.mirror = mirror
        self.swap = swap
        self.screens_needed = 2 if spec.max_pool else 1  # the max-pool reads the last two
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
        cropped = (self._rows.stop - top, self._cols.stop - left)
        self._gray = np.zeros(cropped, np.uint8)
        gray = cropped if spec.grayscale else (*cropped, 3)
        self._resize = (
            AreaResize(cropped, spec.resize)
            if spec.resize is not None and AreaResize.applies(gray, spec.resize)
            else self._opencv_resize
        )

    def frame(self, screens: list[np.ndarray]) -> np.ndarray:
        """One processed frame from the screens of one agent step (pooled when there are two);
        it may be a buffer of the pipeline's, overwritten by the next call."""
        if self.swap is not None:
            screens = [self.swap(screen) for screen in screens[-self.screens_needed :]]
        screen = screens[-1]
        if self.spec.max_pool and len(screens) > 1:
            screen = cv2.max(screens[-2], screens[-1], dst=self._pooled)
        image = screen[self._rows, self._cols]
        if self.spec.grayscale:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY, dst=self._gray)
        if self.spec.resize is not None:
            image = self._resize(image)
        return image[:, ::-1] if self.mirror else image

    def _opencv_resize(self, image: np.ndarray) -> np.ndarray:
        assert self.spec.resize is not None
        height, width = self.spec.resize
        return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)

    def reset(self, view: GameView) -> np.ndarray:
        """Fill the stack with the first frame and return the first observation."""
        self._stack[:] = self.frame(view.screens[-1:])
        return self._stack.copy()

    def step(self, view: GameView) -> np.ndarray:
        """Add the frame of one agent step and return the new observation."""
        self._stack[:-1] = self._stack[1:]
        self._stack[-1] = self.frame(view.screens)
        return self._stack.copy()
