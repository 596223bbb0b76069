"""Progress of a long command on a terminal: items done, rate, and time left when the total is known.

Shown only when the stream is a terminal (a pipe or a log gets the command's summary and nothing else),
redrawn in place at most a few times a second, and finished with a newline so the summary starts clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_EVERY_SECONDS = 0.25


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """``update(done, fraction)``: ``done`` items so far; ``fraction`` of the whole (0-1) when it is known."""

    def __init__(
        self,
        what: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        force: bool = False,
    ) -> None:
        self._what = what
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._shown = force or self._stream.isatty()
        self._started = clock()
        self._drawn_at: float | None = None
        self._drawn = False

    def line(self, done: int, fraction: float | None = None) -> str:
        """What the terminal shows: ``rows 120 000  8 000/s  40%  0:15 left``."""
        elapsed = max(self._clock() - self._started, 1e-9)
        parts = [f"{self._what} {done:,}".replace(",", " "), f"{done / elapsed:,.0f}/s".replace(",", " ")]
        if fraction is not None and fraction > 0:
            parts.append(f"{min(fraction, 1.0):.0%}")
            parts.append(f"{_duration(elapsed * (1 - min(fraction, 1.0)) / fraction)} left")
        parts.append(f"{_duration(elapsed)} so far")
        return "  ".join(parts)

    def update(self, done: int, fraction: float | None = None) -> None:
        if not self._shown:
            return
        now = self._clock()
        if self._drawn_at is not None and now - self._drawn_at < REDRAW_EVERY_SECONDS:
            return
        self._drawn_at = now
        self._stream.write("\r\x1b[K" + self.line(done, fraction))
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
