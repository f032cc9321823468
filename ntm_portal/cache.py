"""The cache backend used when CACHE_URL names a Redis server (settings.base)."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache

CLEAR_BATCH = 500


class PrefixedRedisCache(RedisCache):
    """Django's RedisCache, except that clear() deletes only the keys under this cache's KEY_PREFIX.

    Django's clear() is FLUSHDB: it would also empty whatever else lives in the database (a broker pointed at the
    same one, or the other pytest-xdist workers, each of which has a prefix of its own: settings.test).
    """

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
