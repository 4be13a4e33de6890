"""Production: PostgreSQL via DATABASE_URL, secrets from the environment, secure cookies."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import env_bool

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set (50+ characters) in production.")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]  # noqa: F405
# Set REPORTS_PSEUDONYM_KEY (a long random secret, kept as carefully as SECRET_KEY and never changed):
# without it the returns' keys follow SECRET_KEY and would all change if that is ever rotated.
REPORTS_PSEUDONYM_KEY = os.environ.get("REPORTS_PSEUDONYM_KEY", "") or REPORTS_PSEUDONYM_KEY  # noqa: F405
