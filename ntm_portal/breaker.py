"""Leave a failing dependency alone for a few seconds, so that a request does not wait for it again and again.

A Redis that accepts connections and then goes silent costs each call its whole socket timeout. A page that reads the
cache five times, or every report request while the broker is away, would pay that each time; after one failure the
process skips the dependency for `cooldown` seconds (the cache answers "not cached", the report job waits for the
sweep), then tries again. Per process: each gunicorn worker finds out for itself.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)

COOLDOWN_SECONDS = 10.0

_every: list[Breaker] = []


class Breaker:
    def __init__(self, name: str, cooldown: float = COOLDOWN_SECONDS) -> None:
        self.name = name
        self.cooldown = cooldown
        self._open_until = 0.0
        self._lock = threading.Lock()
        _every.append(self)

    @property
    def is_open(self) -> bool:
        """True while the dependency is left alone after a failure."""
        return time.monotonic() < self._open_until

    def trip(self, error: BaseException) -> None:
        with self._lock:
            first = not self.is_open
            self._open_until = time.monotonic() + self.cooldown
        if first:  # one line per outage and process, not one per call
            logger.warning("%s failed (%r); not used for %.0f s", self.name, error, self.cooldown)

    def close(self) -> None:
        self._open_until = 0.0


def close_every_breaker() -> None:
    """Forget every failure seen so far (tests: one test's outage is not the next one's)."""
    for breaker in _every:
        breaker.close()
