"""Rate limits per citizen and per network address, kept by the `limits` library.

Counts live in this worker's memory by default; with `[ratelimit] storage = "redis://host:6379/0"` they
live in Redis and hold across all workers. When Redis cannot be reached the request is let through and a
warning logged: the bureau's service stays up, only the limit is lost for that moment.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limited:
    """An action refused for now; `retry_after` is the whole seconds until one more is allowed."""

    kind: str
    retry_after: int


class RateLimits:
    """Named limits ("chat", "handoff" …), each a list like "20/minute;200/hour", counted per key."""

    def __init__(self, storage_uri: str, rules: dict[str, str]) -> None:
        self._storage = open_storage(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rules: dict[str, list[RateLimitItem]] = {kind: parse_many(spec) for kind, spec in rules.items()}

    async def hit(self, kind: str, *keys: str) -> Limited | None:
        """Count one `kind` action for every key (a citizen, an address); None when all are within their
        limits, else how long to wait for the one that is furthest over."""
        waits = [await self._hit_one(kind, key, item) for key in keys if key for item in self._rules[kind]]
        longest = max(waits, default=0)
        return Limited(kind, longest) if longest else None

    async def close(self) -> None:
        """Release the Redis connections (memory storage holds none)."""
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)  # limits' redis-py client
        if client is not None:
            await client.aclose()

    async def _hit_one(self, kind: str, key: str, item: RateLimitItem) -> int:
        """0 when the action fits in `item`'s window for `key`, else the seconds until it would."""
        try:
            if await self._limiter.hit(item, kind, key):
                return 0
            stats = await self._limiter.get_window_stats(item, kind, key)
        except StorageError:
            log.warning("rate limit storage unreachable: %s let through", kind)
            return 0
        return max(1, int(stats.reset_time - time.time() + 0.999))


def open_storage(uri: str) -> Storage:
    """"memory://" or "redis://…" (also rediss:// and redis+unix://) as the asyncio storage of `limits`."""
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return storage_from_string(f"async+{uri}", implementation="redispy", wrap_exceptions=True)
    if uri == "memory://":
        return storage_from_string("async+memory://")
    raise ValueError(f"ratelimit.storage must be memory:// or redis://…, got {uri!r}")
