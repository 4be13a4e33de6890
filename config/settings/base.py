"""Settings shared by every environment. Everything that differs comes from the environment."""

import hashlib
import os
import re
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # before core: core.admin replaces knox's token admin
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "auditlog",
    "axes",
    "csp",
    "viewflow",
    "viewflow.workflow",
    "django_tasks",
    "django_tasks_db",
    # Our floors, bottom up (docs/architecture.md).
    "audit",
    "core",
    "fgdm",
    "network_packages",
    "payments",
    "reports",
    "family",
    "notifications",
    "process",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the stylesheets the Content-Security-Policy allows) from the app process.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in any query parameter is a 400, before any view or filter sees it.
    "core.middleware.RefuseNulInQueryMiddleware",
    "csp.middleware.CSPMiddleware",
    # Permissions-Policy; no-store on every answer to a signed-in person.
    "core.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Page writes count against the same per-person rate as the API's (FGDM_THROTTLE_WRITE).
    "core.middleware.PageWriteThrottleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.ClientAddressAuditlogMiddleware",  # auditlog's, with audit.net.client_address
    # Reads of children's, plans' and bank details' admin pages join the access log.
    "audit.middleware.AdminAccessLogMiddleware",
    "core.middleware.AuditorReadLogMiddleware",
    # A page write that deadlocked with another (rolled back whole) is a 409 "try again", not a 500.
    "core.middleware.BusyCaseMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into a clear refusal.
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# Each app process (a gunicorn worker, a task worker) keeps its one connection open for
# DATABASE_CONN_MAX_AGE seconds between requests (0: a new connection a request), and checks it
# before reusing it (CONN_HEALTH_CHECKS), so a connection the server, a failover or a pooler has
# closed meanwhile is replaced instead of failing the next request with a 500. Connections in use:
# one per process, on every machine together (README, "Running in production").
# Behind PgBouncer in transaction mode set DATABASE_DISABLE_SERVER_SIDE_CURSORS=true (.iterator()
# would otherwise open cursors that do not survive the transaction) and DATABASE_CONN_MAX_AGE=0.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", 60)),
        conn_health_checks=True,
        disable_server_side_cursors=env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _server_options = []
    if not env_bool("DATABASE_JIT", False):
        # PostgreSQL compiles a query to machine code (JIT) when its *estimated* cost is high; at
        # 50,000 cases it spent 4.2 s compiling a home-page query that then ran in milliseconds.
        # FGDM's queries are short: off unless DATABASE_JIT=true. (Behind PgBouncer, which passes no
        # `options`, set DATABASE_JIT=true here and `ALTER ROLE … SET jit = off` on the server.)
        _server_options.append("-c jit=off")
    if int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", 0)):
        # PostgreSQL cancels any one statement that runs longer than this many seconds (off unless
        # set). Give it to the app servers, below gunicorn's --timeout, so a runaway query ends with
        # an error and its transaction rolled back instead of holding its locks; keep it off (unset)
        # for the commands that run long on purpose (bulk_data, migrate).
        _server_options.append(f"-c statement_timeout={int(os.environ['DATABASE_STATEMENT_TIMEOUT'])}s")
    if _server_options:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = " ".join([_options.get("options", ""), *_server_options]).strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is for trying FGDM out (README): one writer at a time. Every transaction takes the write
    # lock when it begins (IMMEDIATE), so two writers queue instead of one failing half-way with
    # "database is locked" when its read lock cannot be upgraded; and a writer waits up to
    # SQLITE_BUSY_TIMEOUT seconds for the lock instead of failing at once. Write-ahead logging lets
    # readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", 20)),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Django's backend with each transaction's audit records written together, one INSERT per audit
# table before COMMIT (audit/batching.py, docs/audit.md).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "audit.backends.postgresql",
    "django.db.backends.sqlite3": "audit.backends.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in for a username+address locked out after repeated failures.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "process:home"
LOGOUT_REDIRECT_URL = "login"
# Sessions end after this many seconds of inactivity (each request renews the clock).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True

# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, the client is
# the connecting address). audit.net.client_address uses it for the audit trail, the lockout and
# the API throttles; a malformed value is ignored.
FGDM_TRUSTED_PROXIES = int(os.environ.get("FGDM_TRUSTED_PROXIES", 0))

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# client address, sign-in is refused for AXES_COOLOFF_MINUTES (a page and the API answer 429).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_MINUTES", 30)) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"  # a clear page, not a bare 429
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"  # that page, or JSON on the API; both 429
AXES_CLIENT_IP_CALLABLE = "audit.net.client_address"  # the client, not the proxy in front of us

# API tokens (django-rest-knox): stored as a hash, expire after this many hours, revoked by sign-out.
FGDM_TOKEN_TTL_HOURS = int(os.environ.get("FGDM_TOKEN_TTL_HOURS", 10))
REST_KNOX = {
    "TOKEN_TTL": None,  # core.services.token_create sets each token's expiry from FGDM_TOKEN_TTL_HOURS
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# API throttles (core.api.throttles): "sign_in" per client address on the token endpoint, "write"
# per person (or address) on every POST, PUT, PATCH and DELETE. DRF's rate syntax: n/second|minute|hour|day.
# The cache holds the throttles' counters. Without FGDM_CACHE_URL it is each process's own memory
# (enough for `make run`); with several app processes, point them all at one Redis so a person's
# writes are counted once: FGDM_CACHE_URL=redis://127.0.0.1:6379/1 (Django's Redis cache, redis-py).
if os.environ.get("FGDM_CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["FGDM_CACHE_URL"]}
    }

FGDM_THROTTLE_RATES = {
    "sign_in": os.environ.get("FGDM_THROTTLE_SIGN_IN", "10/minute"),
    "write": os.environ.get("FGDM_THROTTLE_WRITE", "120/minute"),
    # Requests to the family's page (/family/<token>/) per client address: slows anyone guessing links.
    "family_link": os.environ.get("FGDM_THROTTLE_FAMILY_LINK", "30/minute"),
}
# JSON request bodies nested deeper than this are refused (400) before anything reads them.
FGDM_JSON_MAX_DEPTH = 20

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"


def case_documents_storage(env=os.environ) -> dict:
    """Where uploaded case documents are kept (fgdm.uploads; README "Case notes and documents").

    By default a private directory on the app's disk (FGDM_DOCUMENTS_DIR, default var/case-documents
    in the checkout): never served as static or media files; a document is only downloaded through
    the app, by the case's people. FGDM_DOCUMENTS_STORAGE=s3 keeps them in an S3-compatible bucket
    instead (django-storages): private objects, names never reused, no public URL.
    """
    if env.get("FGDM_DOCUMENTS_STORAGE", "filesystem").strip().lower() == "s3":
        options = {
            "bucket_name": env["FGDM_DOCUMENTS_S3_BUCKET"],
            "location": env.get("FGDM_DOCUMENTS_S3_PREFIX", "case-documents"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
            "object_parameters": {"ServerSideEncryption": env.get("FGDM_DOCUMENTS_S3_ENCRYPTION", "AES256")},
        }
        # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role (boto3 finds them).
        for option, name in (
            ("endpoint_url", "FGDM_DOCUMENTS_S3_ENDPOINT_URL"),  # MinIO, Ceph, another provider
            ("region_name", "FGDM_DOCUMENTS_S3_REGION"),
            ("access_key", "AWS_ACCESS_KEY_ID"),
            ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ):
            if env.get(name):
                options[option] = env[name]
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    location = env.get("FGDM_DOCUMENTS_DIR", str(BASE_DIR / "var" / "case-documents"))
    # Nothing in config/urls.py serves this directory, and it is not MEDIA_ROOT or under STATIC_ROOT.
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }


def prepared_files_storage(env=os.environ) -> dict:
    """Where large exports prepared in the background are kept until they expire (core.exports;
    README "Large exports"). The same style as the case documents: a private directory on the app's
    disk (FGDM_EXPORTS_DIR, default var/prepared-files in the checkout), or FGDM_EXPORTS_STORAGE=s3
    for an S3-compatible bucket (FGDM_EXPORTS_S3_BUCKET, _PREFIX, _ENDPOINT_URL, _REGION, _ENCRYPTION).
    A prepared file is downloaded only through the app, by the person who asked for it."""
    if env.get("FGDM_EXPORTS_STORAGE", "filesystem").strip().lower() == "s3":
        options = {
            "bucket_name": env["FGDM_EXPORTS_S3_BUCKET"],
            "location": env.get("FGDM_EXPORTS_S3_PREFIX", "prepared-files"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
            "object_parameters": {"ServerSideEncryption": env.get("FGDM_EXPORTS_S3_ENCRYPTION", "AES256")},
        }
        for option, name in (
            ("endpoint_url", "FGDM_EXPORTS_S3_ENDPOINT_URL"),
            ("region_name", "FGDM_EXPORTS_S3_REGION"),
            ("access_key", "AWS_ACCESS_KEY_ID"),
            ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ):
            if env.get(name):
                options[option] = env[name]
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    location = env.get("FGDM_EXPORTS_DIR", str(BASE_DIR / "var" / "prepared-files"))
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "case_documents": case_documents_storage(),
    "prepared_files": prepared_files_storage(),
}
# A large export prepared in the background (a year's return, a payment batch's file) is kept this
# many days after it is ready; `manage.py expire_prepared_files` (daily) then deletes the file.
FGDM_EXPORT_KEEP_DAYS = int(os.environ.get("FGDM_EXPORT_KEEP_DAYS", 7))
# The audit sequencer (seal_audit, every minute; `--follow` for seconds) seals new audit records into
# their chains. verify_audit fails when a record has waited longer than this: the sequencer is not running.
FGDM_AUDIT_SEAL_GRACE_MINUTES = int(os.environ.get("FGDM_AUDIT_SEAL_GRACE_MINUTES", 15))
# The dashboard's summary (reports.summary): refresh_figures rebuilds every month when its last whole
# rebuild is older than this many minutes (otherwise only the months touched since its last run).
FGDM_FIGURES_FULL_MINUTES = int(os.environ.get("FGDM_FIGURES_FULL_MINUTES", 60))
# The largest case document accepted, in bytes (default 10 MB).
FGDM_DOCUMENT_MAX_BYTES = int(os.environ.get("FGDM_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# Content-Security-Policy (django-csp): nothing inline, everything from this site. ReDoc styles
# itself at run time (config/urls.py widens the policy for that page alone).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page here uses are switched off.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",  # marks nullable reads and error answers
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttles.WriteThrottle"],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # `?format=` names an export file format (csv, bacs18, pain001), not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FGDM API",
    "DESCRIPTION": "Family Group Decision Making and Family Network Support Packages — API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "fgdm.constants.CaseStatus",
        "StageEnum": "fgdm.constants.Stage",
        "CloseReasonEnum": "fgdm.constants.CloseReason",
        "MeetingStatusEnum": "fgdm.constants.MeetingStatus",
        "PlanStatusEnum": "fgdm.constants.PlanStatus",
        "ActionStatusEnum": "fgdm.constants.ActionStatus",
        "PackageStatusEnum": "network_packages.constants.PackageStatus",
        "ApprovalTierEnum": "network_packages.constants.ApprovalTier",
        "ApprovalDecisionEnum": "network_packages.models.Approval.Decision",
        "ReviewDecisionEnum": "network_packages.constants.ReviewDecision",
        "PaymentStatusEnum": "payments.constants.PaymentStatus",
        "BatchStatusEnum": "payments.constants.BatchStatus",
        "PayeeCheckKindEnum": "network_packages.constants.CheckKind",
        "PayeeCheckOutcomeEnum": "network_packages.constants.CheckOutcome",
        "OutcomeEnum": "fgdm.constants.Outcome",
        "OfferAnswerEnum": "fgdm.constants.OfferAnswer",
        "AdvocacyAnswerEnum": "fgdm.constants.AdvocacyAnswer",
        "SafetyAnswerEnum": "network_packages.constants.SafetyAnswer",
        "SarStatusEnum": "audit.models.SubjectAccessRequest.Status",
        "SarDecisionEnum": "audit.models.SubjectAccessItem.Decision",
        "SarIdCheckEnum": "audit.models.SubjectAccessRequest.IdCheck",
        "DocumentKindEnum": "fgdm.constants.DocumentKind",
        "DocumentTypeEnum": "fgdm.constants.DocumentType",
        "MethodEnum": "fgdm.constants.OfferMethod",  # the name it had before "method" meant two things
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

AUDITLOG_INCLUDE_ALL_MODELS = False
# Our own chained (tamper-evident) subclass of auditlog's entry: see audit/models.py.
AUDITLOG_LOGENTRY_MODEL = "audit.LogEntry"
# Masked values are hidden whole, not half (auditlog's default); see audit/masking.py.
AUDITLOG_MASK_CALLABLE = "audit.masking.mask"
# Field history shows that these changed and who changed them, never their values.
AUDIT_MASKED_FIELDS = {
    "*": [
        "date_of_birth",
        "nhs_number",
        "unique_pupil_number",
        "national_insurance_number",
        "sort_code",
        "account_number",
        "account_name",
        "iban",
    ],
    "fgdm.child": ["first_name", "last_name", "date_of_birth", "expected_on"],
}
# Entries about these are described as "<model> #<id>": their own description names the person.
AUDIT_MASKED_REPR = ["fgdm.child", "payments.bankaccount"]
# auditlog's migrations build its own entry table even when the model is swapped; we don't want it.
MIGRATION_MODULES = {"auditlog": None}

# The council's originator details for payment files (BACS, pain.001); payments/checks.py checks
# them at start-up. The default sort code and account are a demo value only: Vocalink's standard
# modulus test case 1 (08-99-99 66374958, tests/payments/test_modulus.py), which passes the check.
FGDM_ORIGINATOR = {
    "name": os.environ.get("FGDM_ORIGINATOR_NAME", "DORSET COUNCIL"),
    "sort_code": os.environ.get("FGDM_ORIGINATOR_SORT_CODE", "089999"),
    "account_number": os.environ.get("FGDM_ORIGINATOR_ACCOUNT", "66374958"),
    "service_user_number": os.environ.get("FGDM_SERVICE_USER_NUMBER", "123456"),
}
# Signed anchors of the audit chains' heads (manage.py anchor_audit, daily; verify_audit checks
# them). Keep the directory off the database server and the key out of the database. Without
# AUDIT_ANCHOR_KEY the key is derived from SECRET_KEY (audit.anchors.anchor_key).
AUDIT_ANCHOR_DIR = os.environ.get("AUDIT_ANCHOR_DIR", str(BASE_DIR / "var" / "audit-anchors"))
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")

# BACS Standard 18 label records (VOL1, HDR1, HDR2, UHL1, EOF1, EOF2, UTL1) are 80 characters, as
# Bacs defines them; data records are 100. A bureau that asks for fixed 100-byte records gets every
# label padded with spaces to 100 when this is on (FGDM_BACS_PAD_LABELS_TO_100=1).
FGDM_BACS_PAD_LABELS_TO_100 = env_bool("FGDM_BACS_PAD_LABELS_TO_100", False)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "fgdm-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
AXES_VERBOSE = False

# A review task still open this many working days (Monday to Friday, England and Wales bank
# holidays left out: audit.dates) after the review date is
# escalated to the case's team managers by `manage.py escalate_reviews`.
FGDM_REVIEW_ESCALATION_WORKING_DAYS = int(os.environ.get("FGDM_REVIEW_ESCALATION_WORKING_DAYS", "5"))

# A manager may reopen a closed case (or a declined referral) for this many days after it closed;
# after that, a new referral is made and linked to the old case.
FGDM_REOPEN_DAYS = int(os.environ.get("FGDM_REOPEN_DAYS", "28"))

# The day the pre-proceedings duty (Children Act 1989 s.31ZA, inserted by s.1 of the Children's
# Wellbeing and Schools Act 2026) comes into force, set by regulations: an ISO date, or empty while
# it has not commenced. Before it the duty's steps are recorded as good practice; from it an
# application to court is refused unless the duty is met (fgdm.services.pre_proceedings).
FGDM_S31ZA_COMMENCEMENT = os.environ.get("FGDM_S31ZA_COMMENCEMENT", "").strip()

# Bounds on what people type (core/bounds.py; a council may set its own). Amounts are in pounds:
# one instalment of a package item, and one package's total over all its instalments (at most
# 9,999,999,999.99, what the total's column holds; `manage.py check` says so). Counts: items per
# package, actions per plan, children per case.
FGDM_MAX_ITEM_AMOUNT = os.environ.get("FGDM_MAX_ITEM_AMOUNT", "10000.00")
FGDM_MAX_PACKAGE_TOTAL = os.environ.get("FGDM_MAX_PACKAGE_TOTAL", "50000.00")
FGDM_MAX_ITEMS_PER_PACKAGE = int(os.environ.get("FGDM_MAX_ITEMS_PER_PACKAGE", "50"))
FGDM_MAX_ACTIONS_PER_PLAN = int(os.environ.get("FGDM_MAX_ACTIONS_PER_PLAN", "50"))
FGDM_MAX_CHILDREN_PER_CASE = int(os.environ.get("FGDM_MAX_CHILDREN_PER_CASE", "20"))

# The returns' pseudonymous keys (reports.returns: "C-…" for a case, "K-…" a child, "M-…" a meeting)
# are an HMAC of the record's id under this key: the same record keeps its key from one export to
# the next, and nobody without the key can work back to the record. Changing the key changes every
# key in every later return, so production sets it (production.py); here it follows SECRET_KEY.
REPORTS_PSEUDONYM_KEY = os.environ.get("REPORTS_PSEUDONYM_KEY", "") or (
    "derived:" + hashlib.sha256(("fgdm-reports-pseudonym:" + SECRET_KEY).encode()).hexdigest()
)

# The family's own view (family app): a network member who agreed to messages is sent a link to
# read their family's plan without signing in. It works for this many days, unless revoked.
FGDM_FAMILY_LINK_DAYS = int(os.environ.get("FGDM_FAMILY_LINK_DAYS", "28"))
# A link that stopped working (expired or revoked) loses the reason it was revoked after this many
# days (audit.retention, `apply_retention`); the trail keeps that it was sent and stopped.
FGDM_FAMILY_LINK_KEEP_DAYS = int(os.environ.get("FGDM_FAMILY_LINK_KEEP_DAYS", "365"))
# The address people reach this site at, for links sent in messages (no trailing slash).
FGDM_SITE_URL = os.environ.get("FGDM_SITE_URL", "http://localhost:8000").rstrip("/")
# Council sign-in: OpenID Connect single sign-on (mozilla-django-oidc; fgdm/sso.py). Off unless
# FGDM_OIDC_CLIENT_ID is set; then the issuer, the endpoints and the secret are needed too
# (`manage.py sso_discover <issuer>` prints them from the provider's discovery document, and
# `manage.py check` says what is missing). Roles and teams come from the provider's groups through
# the two JSON mappings; administrators only from FGDM_OIDC_ADMIN_GROUPS. README, "Council sign-in".
FGDM_OIDC_ENABLED = bool(os.environ.get("FGDM_OIDC_CLIENT_ID", "").strip())
FGDM_OIDC_ISSUER = os.environ.get("FGDM_OIDC_ISSUER", "").strip()
OIDC_RP_CLIENT_ID = os.environ.get("FGDM_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("FGDM_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("FGDM_OIDC_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("FGDM_OIDC_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = os.environ.get("FGDM_OIDC_USERINFO_ENDPOINT", "").strip()  # optional
OIDC_OP_JWKS_ENDPOINT = os.environ.get("FGDM_OIDC_JWKS_ENDPOINT", "").strip()
FGDM_OIDC_END_SESSION_ENDPOINT = os.environ.get("FGDM_OIDC_END_SESSION_ENDPOINT", "").strip()  # optional
OIDC_RP_SIGN_ALGO = os.environ.get("FGDM_OIDC_SIGN_ALGO", "RS256").strip()
OIDC_RP_SCOPES = os.environ.get("FGDM_OIDC_SCOPES", "openid email profile")
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the hint for the provider's end-session endpoint
OIDC_TIMEOUT = int(os.environ.get("FGDM_OIDC_TIMEOUT_SECONDS", 10))
# Every this many seconds a signed-in person's next page visit checks with the provider (silently)
# that they may still sign in, and their roles and teams are set again from their groups.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = int(os.environ.get("FGDM_OIDC_RECHECK_SECONDS", 15 * 60))
OIDC_EXEMPT_URLS = [re.compile(r"^/(api|static|healthz|favicon\.ico)")]
OIDC_CALLBACK_CLASS = "fgdm.sso.CallbackView"
OIDC_AUTHENTICATE_CLASS = "fgdm.sso.StartView"
# Which claim names the person (their username here) and which hold their groups and how they signed in.
FGDM_OIDC_USERNAME_CLAIM = os.environ.get("FGDM_OIDC_USERNAME_CLAIM", "preferred_username").strip()
FGDM_OIDC_GROUPS_CLAIM = os.environ.get("FGDM_OIDC_GROUPS_CLAIM", "groups").strip()
# Refuse a sign-in whose ID token's `amr` claim shows no second factor (Entra ID: "mfa").
FGDM_OIDC_REQUIRE_MFA = env_bool("FGDM_OIDC_REQUIRE_MFA", True)
FGDM_OIDC_MFA_AMR = [v.strip() for v in os.environ.get("FGDM_OIDC_MFA_AMR", "mfa").split(",") if v.strip()]
# {"<group id>": "practitioner" | ["team_manager", …]} and {"<group id>": "<team code>" | [codes]}.
FGDM_OIDC_GROUP_ROLES = os.environ.get("FGDM_OIDC_GROUP_ROLES", "{}")
FGDM_OIDC_GROUP_TEAMS = os.environ.get("FGDM_OIDC_GROUP_TEAMS", "{}")
# Group ids whose members are administrators (staff and superuser). Empty: sign-in never changes
# those flags, and never signs anyone in to an administrator's account.
FGDM_OIDC_ADMIN_GROUPS = [g.strip() for g in os.environ.get("FGDM_OIDC_ADMIN_GROUPS", "").split(",") if g.strip()]
# With single sign-on on, the username-and-password form can be taken off the sign-in page for
# everyone but administrators (who keep it, for when the provider is down). On unless set off.
FGDM_PASSWORD_SIGN_IN = env_bool("FGDM_PASSWORD_SIGN_IN", True)
# Both do nothing while single sign-on is off.
AUTHENTICATION_BACKENDS.append("fgdm.sso.CouncilSignInBackend")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware"), "fgdm.sso.SessionRefresh")
# --- Background work (django-tasks, Django's tasks API) and GOV.UK Notify (notifications app) ---
# FGDM_TASKS_BACKEND=database (the default): tasks wait in a table and `manage.py db_worker` runs them
# (`make run` starts one beside the web server; nothing else is needed). FGDM_TASKS_BACKEND=rq: tasks
# go to Redis (FGDM_REDIS_URL) and `manage.py rqworker default --with-scheduler` runs them, on as many
# machines as needed. README.md, "Notifications and background work".
FGDM_TASKS_BACKEND = os.environ.get("FGDM_TASKS_BACKEND", "database").strip().lower()
FGDM_REDIS_URL = os.environ.get("FGDM_REDIS_URL", "redis://127.0.0.1:6379/0")
if FGDM_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # A job running longer is stopped by its worker: the timer jobs (retention, the audit check) may
    # take many minutes at national scale.
    RQ_QUEUES = {"default": {"URL": FGDM_REDIS_URL, "DEFAULT_TIMEOUT": int(os.environ.get("FGDM_TASK_TIMEOUT", 3600))}}
elif FGDM_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ValueError(f"FGDM_TASKS_BACKEND must be 'database' or 'rq', not {FGDM_TASKS_BACKEND!r}")

# The timer jobs (process/timers.py): `manage.py run_scheduler` queues them as tasks, once per period
# whatever the number of machines. A failed run is tried again after FGDM_TIMER_RETRY_BACKOFF × 2^(n−1)
# seconds, up to FGDM_TIMER_MAX_ATTEMPTS; a run still queued FGDM_TIMER_REQUEUE_MINUTES after it was due is
# queued again. FGDM_TIMERS_OFF: comma-separated jobs the scheduler leaves alone (run them from cron).
FGDM_TIMER_MAX_ATTEMPTS = int(os.environ.get("FGDM_TIMER_MAX_ATTEMPTS", 3))
FGDM_TIMER_RETRY_BACKOFF = int(os.environ.get("FGDM_TIMER_RETRY_BACKOFF", 60))
FGDM_TIMER_REQUEUE_MINUTES = int(os.environ.get("FGDM_TIMER_REQUEUE_MINUTES", 15))
FGDM_TIMER_KEEP_DAYS = int(os.environ.get("FGDM_TIMER_KEEP_DAYS", 90))  # runs done; failed runs are kept
FGDM_TIMERS_OFF = [name.strip() for name in os.environ.get("FGDM_TIMERS_OFF", "").split(",") if name.strip()]

# GOV.UK Notify. Without NOTIFY_API_KEY (the default) nothing leaves the building: every message is
# kept in the outbox page (/notifications/outbox/, administrators) exactly as it would have gone.
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_TIMEOUT = int(os.environ.get("NOTIFY_TIMEOUT", 20))
# A transient failure (Notify answers 429 or 5xx, or cannot be reached) is tried again after
# NOTIFY_RETRY_BACKOFF × 2^(attempt−1) seconds, up to NOTIFY_MAX_ATTEMPTS attempts; then "failed".
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", 5))
NOTIFY_RETRY_BACKOFF = int(os.environ.get("NOTIFY_RETRY_BACKOFF", 60))
# Notify template ids by our name for them; each can be set by NOTIFY_TEMPLATE_<NAME> (upper case).
NOTIFY_TEMPLATE_NAMES = [
    "task_assigned",
    "package_approval",
    "review_due",
    "batch_approval",
    "meeting_invitation",
    "meeting_changed",
    "meeting_cancelled",
    "actions_due",
    "payment_made",
    "family_link",
    "export_ready",
]
NOTIFY_TEMPLATES = {name: os.environ.get(f"NOTIFY_TEMPLATE_{name.upper()}", "") for name in NOTIFY_TEMPLATE_NAMES}
# send_reminders (daily): a review is announced to the lead practitioner this many days before its
# date; a network member is reminded of an action of theirs this many days before it is due.
FGDM_REVIEW_REMINDER_DAYS = int(os.environ.get("FGDM_REVIEW_REMINDER_DAYS", 7))
FGDM_ACTION_REMINDER_DAYS = int(os.environ.get("FGDM_ACTION_REMINDER_DAYS", 2))
