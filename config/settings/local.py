"""Developer machine: the embedded default (SQLite, filesystem broker), DEBUG on unless the environment says no."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: E402,F403
