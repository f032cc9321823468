"""ntm_portal.cache on a Redis of the test's own that hangs (SIGSTOP): a miss, quickly, and figures that stay right."""

import time

from ntm_portal.breaker import close_every_breaker
from ntm_portal.cache import PrefixedRedisCache
from ntm_portal.figures_cache import cached_figures, invalidate_figures
from tests.servers import RedisServer


def redis_cache_settings(redis: RedisServer, timeout: float) -> dict:
    """The CACHES entry settings.base makes of CACHE_URL, on the test's Redis."""
    return {
        "default": {
            "BACKEND": "ntm_portal.cache.PrefixedRedisCache",
            "LOCATION": redis.url(1),
            "KEY_PREFIX": "test",
            "OPTIONS": {"socket_timeout": timeout, "socket_connect_timeout": timeout},
        }
    }


def test_a_hung_redis_is_a_miss_after_one_timeout_and_is_then_left_alone(own_redis, settings):
    cache = PrefixedRedisCache(
        own_redis.url(1), redis_cache_settings(own_redis, settings.REDIS_TIMEOUT_SECONDS)["default"]
    )
    assert cache.set("figure", 42) is True and cache.get("figure") == 42

    own_redis.pause()
    started = time.monotonic()
    first = cache.get("figure", "missing")
    first_took = time.monotonic() - started
    started = time.monotonic()
    later = [cache.get("figure", "missing") for _ in range(20)]
    later_took = time.monotonic() - started
    stored = cache.set("figure", 43)
    own_redis.resume()

    assert first == "missing" and first_took < settings.REDIS_TIMEOUT_SECONDS * 2 + 0.5
    assert later == ["missing"] * 20 and later_took < 0.1
    assert stored is False
    close_every_breaker()  # as after the few seconds it waits before asking Redis again
    assert cache.get("figure") == 42


def test_figures_stored_before_a_write_the_cache_missed_are_not_served_once_it_is_back(own_redis, settings):
    settings.CACHES = redis_cache_settings(own_redis, 0.5)
    invalidate_figures()
    assert cached_figures("test", 1, lambda: "before the write") == "before the write"

    own_redis.pause()
    assert cached_figures("test", 1, lambda: "computed while Redis hangs") == "computed while Redis hangs"
    invalidate_figures()  # a write while Redis hangs: its new version cannot be stored
    own_redis.resume()
    close_every_breaker()

    assert cached_figures("test", 1, lambda: "after the write") == "after the write"
