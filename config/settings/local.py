"""Developer machine: `make run`. Debug on, a fixed dev-only secret unless one is given."""

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"  # noqa: F405
WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic
