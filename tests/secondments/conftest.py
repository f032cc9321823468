# The page tests' records (one of each kind), shared with the generic views' tests.
from tests.secondments.test_views import records  # noqa: F401
