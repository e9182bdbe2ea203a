"""MarI/O's view of Super Mario Bros.: a grid of the tiles and enemies around Mario, from RAM.

MarI/O (a NEAT network playing Super Mario World) reads the game's memory instead of its
pixels: a square of cells around the player, 1 for a solid block, -1 for an enemy, 0 for
open space. This plugin registers that view for Super Mario Bros. as the observation builder
``smb_tiles``; the Mario profile offers it as ``inputs: tiles``.

Where it reads (the game's RAM map, as the SMB disassembly and the Data Crystal wiki give it):

- the level's blocks: 0x500-0x69F, two pages of 13 rows x 16 columns of 16-pixel metatiles,
  a ring that the game fills ahead of the scroll; row 0 is the screen's y = 32 (above are the
  score and the timer), and column c of the level sits at page (c // 16) % 2, column c % 16
- Mario: his level x from page 0x6D and x 0x86; his screen y 0xCE (the top of a 32-pixel box
  whose lowest 16 pixels hold small Mario)
- five enemy slots: active when 0x0F + slot is non-zero, x from page 0x6E + slot and x
  0x87 + slot, y 0xCF + slot (the top of the enemy's 16-pixel sprite)

The grid's centre cell is the one that holds Mario's lower half (his feet); rows go down the
screen, columns to the right. A cell is -1 when an enemy's centre lies in it, else 1 when its
block is non-empty, else 0; cells above or below the 13 rows are 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arena import GameView, Observer, RegisterObservation, hookimpl

TILE = 16
BLOCKS, PAGE_ROWS, PAGE_COLUMNS = 0x500, 13, 16
TOP = 32  # the screen y of the block rows' top edge
MARIO_PAGE, MARIO_X, MARIO_Y = 0x6D, 0x86, 0xCE
ENEMY_ACTIVE, ENEMY_PAGE, ENEMY_X, ENEMY_Y = 0x0F, 0x6E, 0x87, 0xCF
ENEMY_SLOTS = 5
FEET = 24  # from Mario's y to the centre of his lowest 16 pixels
ENEMY_CENTRE = 8  # from an enemy's y to its centre
RAM_BYTES = 0x800
MAX_SIZE = 31


class SmbTiles(Observer):
    """A ``size`` x ``size`` grid (int8: -1 enemy, 0 open, 1 block) centred on Mario."""

    dtype = np.dtype(np.int8)
    low, high = -1, 1
    screens_needed = 0  # RAM only: the env reads no screen for it

    def __init__(self, size: int) -> None:
        self.shape = (size, size)
        self.offsets = (np.arange(size) - size // 2) * TILE

    def reset(self, view: GameView) -> np.ndarray:
        return self.step(view)

    def step(self, view: GameView) -> np.ndarray:
        return self.grid(view.memory.read(0, RAM_BYTES))

    def grid(self, ram: np.ndarray) -> np.ndarray:
        """The grid from a copy of the first 2 KiB of RAM."""
        x = int(ram[MARIO_PAGE]) * 256 + int(ram[MARIO_X]) + TILE // 2
        y = int(ram[MARIO_Y]) + FEET
        xs, ys = x + self.offsets, y + self.offsets  # the cells' centres, in level pixels
        columns = (xs // TILE) % (2 * PAGE_COLUMNS)
        rows = (ys - TOP) // TILE
        inside = (rows >= 0) & (rows < PAGE_ROWS)
        addresses = (
            BLOCKS
            + (columns // PAGE_COLUMNS)[None, :] * PAGE_ROWS * PAGE_COLUMNS
            + np.clip(rows, 0, PAGE_ROWS - 1)[:, None] * PAGE_COLUMNS
            + (columns % PAGE_COLUMNS)[None, :]
        )
        grid = ((ram[addresses] != 0) & inside[:, None]).astype(np.int8)
        size = len(self.offsets)
        for slot in range(ENEMY_SLOTS):
            if not ram[ENEMY_ACTIVE + slot]:
                continue
            ex = int(ram[ENEMY_PAGE + slot]) * 256 + int(ram[ENEMY_X + slot]) + TILE // 2
            ey = int(ram[ENEMY_Y + slot]) + ENEMY_CENTRE
            column = (ex - x + TILE // 2) // TILE + size // 2
            row = (ey - y + TILE // 2) // TILE + size // 2
            if 0 <= row < size and 0 <= column < size:
                grid[row, column] = -1
        return grid


def smb_tiles(game: str, size: Any = 13) -> SmbTiles:
    """The builder: ``size`` cells a side, odd so that Mario is in the middle."""
    if not game.startswith("SuperMarioBros-"):
        raise ValueError(f"reads Super Mario Bros.' RAM; {game!r} is another game")
    if not isinstance(size, int) or isinstance(size, bool) or not 3 <= size <= MAX_SIZE:
        raise ValueError(f"size must be a whole number from 3 to {MAX_SIZE}, got {size!r}")
    if size % 2 == 0:
        raise ValueError(f"size must be odd so that Mario is the centre cell, got {size}")
    return SmbTiles(size)


@hookimpl
def arena_register_observations(register: RegisterObservation) -> None:
    register(
        "smb_tiles",
        smb_tiles,
        "Super Mario Bros.: the blocks (1) and enemies (-1) around Mario, from RAM (MarI/O)",
    )
