"""Settings for the test suite: fast password hashing, tasks run immediately."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "accounts.hashers.InitialCodeHasher",
]
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "imports", "reports"],
    }
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Tasks run immediately here: every certificate a test issues would be rendered. The
# test of the pre-rendering turns it on.
CERTIFICATE_PDF_PRERENDER = False
# No notice ever leaves the machine: the providers' addresses are a closed local port
# unless a test starts its own server (tests/notices/servers.py).
NOTICES_SMS_ENDPOINT = "127.0.0.1:9"
NOTICES_SMS_SCHEME = "http"
NOTICES_WECOM_ROBOT_URL = "http://127.0.0.1:9/cgi-bin/webhook/send"
NOTICES_DINGTALK_ROBOT_URL = "http://127.0.0.1:9/robot/send"
NOTICES_WECOM_API_URL = "http://127.0.0.1:9/cgi-bin"
NOTICES_DINGTALK_API_URL = "http://127.0.0.1:9"
NOTICES_HTTP_TIMEOUT = 2
# Quiet hours would make a test's outcome depend on the hour it runs; the tests of quiet
# hours set them.
NOTICES_QUIET_HOURS = ""
