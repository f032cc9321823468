import pytest

from tests.conftest import skip_unless_configured
from tests.servers import RedisServer


@pytest.fixture
def own_redis():
    """A Redis of the test's own on a free port, which the test may freeze (SIGSTOP): never the machine's."""
    if not RedisServer.available():
        skip_unless_configured("redis-server is not installed")
    redis = RedisServer().start()
    yield redis
    redis.stop()
