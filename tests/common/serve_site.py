"""Settings for running the real `yiwang serve` in a subprocess in tests: the site's settings
with URLs that add one view that sleeps (tests/common/serve_urls.py)."""

from yiwang.settings import *  # noqa: F403

ROOT_URLCONF = "tests.common.serve_urls"
