"""Test settings: fast hashing, in-memory cache and mail, Celery tasks run in-process.

Tasks stay eager even when CELERY_BROKER_URL is set, so every test behaves the same on the
embedded default and in CI; the `services` tests (tests/services/) switch eagerness off
and prove the same tasks go through Redis and a real worker process.
"""

from settings.base import *  # noqa: F403
from settings.base import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
MEDIA_ROOT = VAR_DIR / "test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
