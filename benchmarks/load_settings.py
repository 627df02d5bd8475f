"""Settings for benchmarks/load_test.py only: the service's settings plus one minimal view.

The minimal view (benchmarks/load_urls.py) is the baseline the load test compares with: the
same server, middleware and database connection, but no work in the view. It exists only
under these settings, never in the product's URLs.
"""

from settings.base import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load_urls"
