"""Settings for running on a developer's machine: SQLite by default, debug on."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
WHITENOISE_USE_FINDERS = True  # static files without collectstatic, DEBUG or not
