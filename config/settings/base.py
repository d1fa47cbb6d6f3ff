"""Settings shared by every environment.

Everything that differs between machines comes from the environment; the defaults are
safe for a developer's laptop (SQLite, no secrets) and are overridden in production.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Number of reverse proxies in front of the application that append the client's
# address to X-Forwarded-For (0: none, the header is ignored). This one setting drives
# every notion of "the client's address": allauth's sign-in limits, DRF's throttles,
# the project's own limits and the audit log (see core/clientip.py).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0") or 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Keys protecting national ID numbers. Production requires both to be set; locally
# they are derived from SECRET_KEY so that a fresh checkout works.
ID_NUMBER_ENCRYPTION_KEYS = env_list("ID_NUMBER_ENCRYPTION_KEYS")
ID_NUMBER_HASH_KEY = env("ID_NUMBER_HASH_KEY", "")
# Key of the audit log's hash chain (HMAC); production requires it.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "treebeard",
    "django_tasks_db",
    # Project apps, bottom layer first.
    "core",
    "audit",
    "accounts",
    "organisation",
    "notices",
    "roster",
    "exams",
    "certificates",
    "training",
]

MIDDLEWARE = [
    "core.admission.AdmissionControlMiddleware",
    "core.middleware.HealthCheckMiddleware",  # plain HTTP, any host: the balancer's probe
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.NoStoreMiddleware",  # every response after static files: no-store
    # Exam answers are saved, and prepared papers started, here, before the rest of the
    # stack (exams/api/fastpath.py).
    "exams.api.fastpath.ExamFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or the CSRF check reads a body: size, then who is uploading.
    "core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "organisation.middleware.RequireAdministratorMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisation.context_processors.navigation",
                "accounts.context_processors.display",
            ],
        },
    },
]

# What the staff page shows of a person's training, exams and certificate (a callable
# `(*, staff) -> record`): named here so that organisation never imports the apps above.
STAFF_RECORD = "training.selectors.learner_home"

VAR_DIR = BASE_DIR / "var"  # local state: SQLite file, media, collected static
VAR_DIR.mkdir(exist_ok=True)

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60") or 0),
        conn_health_checks=True,
    )
}
if env("AUDIT_CHECKPOINT_DATABASE_URL"):
    # The same database, signed in as the role that alone may insert audit
    # checkpoints (docs/security.md); used only by `manage.py audit_checkpoint`.
    DATABASES["audit_checkpoint"] = dj_database_url.parse(env("AUDIT_CHECKPOINT_DATABASE_URL"))
    DATABASES["audit_checkpoint"]["TEST"] = {"MIRROR": "default"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web server use the file together.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "organisation.backends.StaffNumberOrMobileBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Verifies the random one-time initial passwords handed out on import; never
    # used for a password a person chooses (see accounts/hashers.py).
    "accounts.hashers.InitialCodeHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotCurrentOrDemoPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: no self sign-up, sign in by staff number (or mobile, through the
# backend above), rate limits on, TOTP available to all.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed sign-ins are counted per person by accounts/lockout.py (page, admin and
    # API alike), with SIGNIN_LIMITS below, instead of allauth's per-login counter.
    "login_failed": "",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
# "failures/seconds"; see accounts/lockout.py for what each one counts.
SIGNIN_LIMITS = {
    "client": env("SIGNIN_LIMIT_CLIENT", "5/300"),
    "person": env("SIGNIN_LIMIT_PERSON", "30/3600"),
    "address": env("SIGNIN_LIMIT_ADDRESS", "30/60"),
}
ACCOUNT_USER_DISPLAY = "accounts.utils.user_display"

# Sign-in with the government's unified identity system over OpenID Connect (optional;
# organisation/identity.py): the first sign-in links the identity to the existing
# account named by the staff-number (or else the mobile) claim; nobody unknown gets in.
SOCIALACCOUNT_ADAPTER = "organisation.identity.IdentityAdapter"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
OIDC_STAFF_NUMBER_CLAIM = env("OIDC_STAFF_NUMBER_CLAIM", "staff_number")
OIDC_MOBILE_CLAIM = env("OIDC_MOBILE_CLAIM", "phone_number")


def oidc_providers(server_url: str, client_id: str, secret: str, name: str) -> dict:
    """allauth's provider settings for one OpenID Connect identity system."""
    if not server_url:
        return {}
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "gov",
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {
                        "server_url": server_url,
                        "token_auth_method": "client_secret_basic",
                        "oauth_pkce_enabled": True,
                    },
                }
            ]
        }
    }


SOCIALACCOUNT_PROVIDERS = oidc_providers(
    env("OIDC_SERVER_URL", "") or "",
    env("OIDC_CLIENT_ID", "") or "",
    env("OIDC_CLIENT_SECRET", "") or "",
    env("OIDC_NAME", "统一身份认证") or "统一身份认证",
)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "综窗人员培训认证"

# Sessions: idle and absolute timeouts (see accounts.middleware).
# Production uses cached_db (Redis in front of the table); see production.py.
SESSION_ENGINE = env("SESSION_ENGINE", "django.contrib.sessions.backends.db")
SESSION_COOKIE_AGE = int(env("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)) or 43200)
SESSION_IDLE_TIMEOUT = int(env("SESSION_IDLE_TIMEOUT", str(2 * 3600)) or 7200)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")) or "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)) or 0)
CERTIFICATE_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # a scanned paper certificate

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "window-cert",
    }
}
if env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "core.cache.ReusingRedisCache",
        "LOCATION": env("REDIS_URL"),
    }

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports", "reports"],
    }
}

MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
    }
}
if env("EMAIL_HOST"):
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env("EMAIL_HOST"),
            "port": int(env("EMAIL_PORT", "465") or 465),
            "username": env("EMAIL_HOST_USER", ""),
            "password": env("EMAIL_HOST_PASSWORD", ""),
            "use_ssl": env_bool("EMAIL_USE_SSL", True),
        },
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", "120/min"),
        "user": env("API_USER_RATE", "1200/min"),
        "token": "10/min",
        "verify": "30/min",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Window staff training and certification API",
    "DESCRIPTION": "政务服务综合窗口办事员培训认证系统 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so a field that refuses "" says so
    # (minLength 1) and the schema allows only what the API accepts.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets are served from the app (no CDN; CSP stays strict).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy (Django 6.0+ built-in middleware).
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "core.logging.MaskIdNumbersFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_id_numbers"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Product configuration.
CERTIFICATE_PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Render and store each certificate's PDF in the background when it is issued, so that
# the first download reads a file (certificates.services.pdf_store).
CERTIFICATE_PDF_PRERENDER = env_bool("CERTIFICATE_PDF_PRERENDER", True)

# Roster import (see roster/services.py).
ROSTER_MAX_ROWS = int(env("ROSTER_MAX_ROWS", "100000") or 100000)
ROSTER_BACKGROUND_ROWS = int(env("ROSTER_BACKGROUND_ROWS", "2000") or 2000)
ROSTER_ENCRYPTION_KEYS = env_list("ROSTER_ENCRYPTION_KEYS")
# Dotted paths of callables run after a committed import, with keyword arguments
# import_id, created_staff_ids, updated_staff_ids, left_staff_ids.
ROSTER_IMPORT_COMMITTED_HOOKS: list[str] = ["training.services.enrolment_on_roster_import"]
# Personal data kept no longer than needed (PIPL; roster.services.retention, run by
# `manage.py personal_data_retention --apply`): a leaver's ID number, mobile and e-mail
# are erased this many days after they left (name and certificates stay); uploaded
# roster files and unclaimed initial-password lists are erased after UPLOAD_RETENTION_DAYS.
PERSONAL_DATA_RETENTION_DAYS = int(env("PERSONAL_DATA_RETENTION_DAYS", "1095") or 1095)
UPLOAD_RETENTION_DAYS = int(env("UPLOAD_RETENTION_DAYS", "180") or 180)
# Training: seconds between two video heartbeats (also the most one heartbeat credits).
TRAINING_HEARTBEAT_SECONDS = int(env("TRAINING_HEARTBEAT_SECONDS", "15") or 15)
# Admission control (core/admission.py): a request that queued longer than this in the
# server is answered 503 + Retry-After at once; 0 switches it off.
ADMISSION_MAX_QUEUE_MS = int(env("ADMISSION_MAX_QUEUE_MS", "1000") or 0)
# Exams: a hand-in is scored by the batched scorer (`finalise_attempts --loop`); when
# none has within this many seconds, the result page scores the attempt itself.
EXAM_SCORING_GRACE_SECONDS = int(env("EXAM_SCORING_GRACE_SECONDS", "5") or 0)
# Called (dotted paths, keyword arguments attempts, acting_user, request) when finished
# exam attempts are re-scored: results copied elsewhere follow.
EXAM_RESULTS_CHANGED_HOOKS: list[str] = [
    "certificates.exam_results.assessments_follow_exam_results"
]

# Notification channels (notices/): outside the app, each notice goes by the channel its
# person chose among those their unit configured (e-mail, SMS, WeCom, DingTalk: robots or
# the unit's application).
NOTICES_SMS_ENDPOINT = env("NOTICES_SMS_ENDPOINT", "sms.tencentcloudapi.com")
NOTICES_SMS_SCHEME = env("NOTICES_SMS_SCHEME", "https")
# Longest template parameter (the notice's title); the approved template has one.
NOTICES_SMS_PARAM_MAX = int(env("NOTICES_SMS_PARAM_MAX", "12") or 12)
NOTICES_WECOM_ROBOT_URL = env(
    "NOTICES_WECOM_ROBOT_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
)
NOTICES_DINGTALK_ROBOT_URL = env(
    "NOTICES_DINGTALK_ROBOT_URL", "https://oapi.dingtalk.com/robot/send"
)
# Work messages through a unit's WeCom application / DingTalk app (instead of the robot).
NOTICES_WECOM_API_URL = env("NOTICES_WECOM_API_URL", "https://qyapi.weixin.qq.com/cgi-bin")
NOTICES_DINGTALK_API_URL = env("NOTICES_DINGTALK_API_URL", "https://oapi.dingtalk.com")
# An access token is fetched again this many seconds before it expires.
NOTICES_APP_TOKEN_MARGIN = int(env("NOTICES_APP_TOKEN_MARGIN", "300") or 300)
# How long a person's WeCom / DingTalk user ID, found by mobile number, is remembered.
NOTICES_APP_USERID_SECONDS = int(env("NOTICES_APP_USERID_SECONDS", "86400") or 86400)
NOTICES_HTTP_TIMEOUT = int(env("NOTICES_HTTP_TIMEOUT", "10") or 10)
NOTICES_MAX_ATTEMPTS = int(env("NOTICES_MAX_ATTEMPTS", "4") or 4)
NOTICES_RETRY_SECONDS = int(env("NOTICES_RETRY_SECONDS", "60") or 60)  # then 2x, 4x...
# A try still "sending" after this long was cut off (its worker died): settled as failed.
NOTICES_SENDING_STUCK_SECONDS = int(env("NOTICES_SENDING_STUCK_SECONDS", "900") or 900)
# Local time "HH:MM-HH:MM" during which the channels below wait (empty: never).
NOTICES_QUIET_HOURS = env("NOTICES_QUIET_HOURS", "21:00-08:00")
NOTICES_QUIET_CHANNELS = env_list("NOTICES_QUIET_CHANNELS", "sms")
# Called (dotted paths, keyword arguments delivery, coordinators) when a notice could
# not be delivered after the last try: the coordinators hear of it in the app.
NOTICES_FAILED_HOOKS: list[str] = ["training.services.notifications.delivery_failed_notify"]
