"""The cache backend used when CACHE_URL names a Redis server (settings.base)."""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from .breaker import Breaker

CLEAR_BATCH = 500

# One per Redis server and process, shared by the per-thread backend instances Django makes.
_breakers: dict[tuple[str, ...], Breaker] = {}


def cache_breaker(servers: list[str]) -> Breaker:
    key = tuple(servers)
    if key not in _breakers:
        _breakers[key] = Breaker(f"The cache on {', '.join(servers)}")
    return _breakers[key]


class FailSoftRedisCacheClient(RedisCacheClient):
    """Django's client, except that a Redis that fails (refused, or silent past the socket timeout of OPTIONS)
    counts as a miss: reads find nothing, writes store nothing, and for a few seconds after a failure Redis is not
    asked at all (ntm_portal.breaker). The cache only saves work, so a page computes what it would have read."""

    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        self.breaker = cache_breaker(servers)

    def _call(self, method, fallback, *args):
        if self.breaker.is_open:
            return fallback
        try:
            return method(*args)
        except RedisError as error:  # ConnectionError and TimeoutError included
            self.breaker.trip(error)
            return fallback

    def add(self, key, value, timeout):
        return self._call(super().add, False, key, value, timeout)

    def get(self, key, default):
        return self._call(super().get, default, key, default)

    def set(self, key, value, timeout) -> bool:
        """True when stored (Django's returns None): ntm_portal.figures_cache must know when an invalidation failed."""
        return self._call(self._set_and_confirm, False, key, value, timeout)

    def _set_and_confirm(self, key, value, timeout) -> bool:
        super().set(key, value, timeout)
        return True

    def touch(self, key, timeout):
        return self._call(super().touch, False, key, timeout)

    def delete(self, key):
        return self._call(super().delete, False, key)

    def get_many(self, keys):
        return self._call(super().get_many, {}, keys)

    def has_key(self, key):
        return self._call(super().has_key, False, key)

    def set_many(self, data, timeout):
        return self._call(super().set_many, list(data), data, timeout)

    def delete_many(self, keys):
        return self._call(super().delete_many, None, keys)


class PrefixedRedisCache(RedisCache):
    """Django's RedisCache, except that
    - clear() deletes only the keys under this cache's KEY_PREFIX. Django's clear() is FLUSHDB: it would also empty
      whatever else lives in the database (a broker pointed at the same one, or the other pytest-xdist workers, each
      of which has a prefix of its own: settings.test);
    - a Redis that fails or does not answer is a cache miss, not an error page (FailSoftRedisCacheClient).
    """

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._cache.set(key, value, self.get_backend_timeout(timeout))

    def clear(self) -> None:
        client = self._cache.get_client(None, write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
