"""Configuration, read from the environment. Nothing secret is stored in the repository."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once into instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
        return url.replace("postgres://", "postgresql://", 1)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'houqin.db'}"


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = _database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False
# pool_pre_ping: a pooled connection is tested (SELECT 1) before each checkout and silently replaced when the
# database dropped it (PostgreSQL restarted, a failover, an idle timeout): no request fails on a dead connection.
# Options given here or by create_app's overrides are kept; pool_pre_ping is added unless one sets it.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

APP_NAME = "学校后勤管理系统"
SCHOOL_NAME = os.environ.get("SCHOOL_NAME", "")  # printed on asset labels and forms (APP_NAME when empty)
# The address phones reach the system by, for the QR codes on asset labels (e.g. https://houqin.example.edu.cn);
# when empty, the address the label page was opened with.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
APP_ICON = ""
APP_THEME = ""
FAB_BASE_TEMPLATE = "engine/base.html"

# Chinese only, one time zone.
BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = {"zh": {"flag": "cn", "name": "中文"}}
TIMEZONE = "Asia/Shanghai"

# Authentication: FAB's database auth; schema comes from migrations only.
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "系统管理员"
AUTH_ROLE_PUBLIC = "Public"
FAB_CREATE_DB = False
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = False
FAB_UPDATE_PERMS = True
FAB_PASSWORD_COMPLEXITY_ENABLED = True  # the validator (app/platform/login_security.py) is installed by create_app
PASSWORD_MIN_LENGTH = 8  # and letters and digits both

# Login hardening (app/platform/login_security.py): lockout, rate limit per IP, idle timeout.
LOGIN_MAX_FAILURES = 5  # consecutive wrong passwords from one client address …
LOGIN_LOCK_MINUTES = 10  # … lock the account for that address this long (the owner elsewhere is not locked out)
AUTH_RATE_LIMITED = True  # LOGIN_RATE_LIMIT, per client address, over POST /login/, the REST login and 修改我的密码
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
# The pages without login (投诉建议, public surveys): POSTs per client address. A school's Wi-Fi may put many phones
# behind one address, hence per minute rather than per day.
PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "10 per minute; 100 per hour")
RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"
# "memory://" counts per process; with several workers use Redis, e.g. "redis://127.0.0.1:6379".
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count per process rather than refuse every login
# Cached dashboard figures and to-do counts (app/platform/caching.py): per process by default; with several workers
# or hosts set CACHE_REDIS_URL (e.g. "redis://127.0.0.1:6379/1") so that all share one cache. A figure is renewed by
# any write to what it counts; CACHE_DEFAULT_TIMEOUT (seconds) bounds how long a figure that depends on the time of
# day (逾期 since this morning) may be shown.
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "300"))
SESSION_IDLE_MINUTES = 30
# Logout and a password change end every session and token of the account (app/platform/sessions.py).
# REST tokens (POST /api/v1/security/login): access tokens 15 minutes, refresh tokens one day (FAB: 30 days).
JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=1)
# Behind a reverse proxy (nginx …): how many proxies add X-Forwarded-For. The client's address decides the
# lockout, the rate limit and the login log; 0 when the system is reached directly.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"  # set to 1 when served over HTTPS

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None

# List pages: default and largest page size a URL may ask for.
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
FAB_API_MAX_PAGE_SIZE = 100

UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
IMG_UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
# 备份 (app/platform/backup.py): `flask backup` writes <BACKUP_NAME>-YYYYMMDD-HHMMSS.tar into --to, else here.
BACKUP_NAME = "houqin-backup"
BACKUP_FOLDER = os.environ.get("BACKUP_FOLDER", str(INSTANCE_DIR / "backups"))
MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # hard cap of any request (413 → Chinese error page)
UPLOAD_MAX_MB = 5  # largest image a photo() field accepts (app/features/uploads.py)
# A photo chosen on a form whose save was refused is kept this long for the next try, then swept if never saved.
UPLOAD_KEEP_HOURS = 24
# 导入 (app/features/imports/reading.py): the uploaded file, and what an .xlsx (a zip archive) may unpack to —
# checked from the sizes its parts declare, before anything parses it (a small "zip bomb" is refused).
IMPORT_MAX_MB = 10
IMPORT_MAX_UNCOMPRESSED_MB = 100  # all parts together
IMPORT_MAX_SHARED_STRINGS_MB = 30  # xl/sharedStrings.xml, which openpyxl holds whole in memory
IMPORT_MAX_COMPRESSION_RATIO = 200  # a part of 1 MB or more unpacking to more times its packed size is refused

# Logging: the app's records (every unhandled error with its traceback and request id) go to stderr, which
# gunicorn (gunicorn.conf.py) and the development server pass on; LOG_LEVEL=DEBUG, INFO, WARNING …
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

# 消息通知 (app/features/notifications/): 站内信 always; e-mail and group robots by each person's choice, sent by
# `flask notify-worker` (README: 消息通知). SMTP: the password only from the environment, never in the repository.
MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: nobody may choose e-mail
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"  # STARTTLS (port 587)
MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"  # SMTP over SSL (port 465)
MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
MAIL_FROM = os.environ.get("MAIL_FROM", "")  # e.g. 后勤管理系统 <houqin@school.edu.cn>
# A person's group-robot address must start with these: the server never posts to any other address.
WECOM_WEBHOOK_PREFIX = os.environ.get("WECOM_WEBHOOK_PREFIX", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=")
DINGTALK_WEBHOOK_PREFIX = os.environ.get("DINGTALK_WEBHOOK_PREFIX",
                                         "https://oapi.dingtalk.com/robot/send?access_token=")
NOTIFY_POLL_SECONDS = float(os.environ.get("NOTIFY_POLL_SECONDS", "5"))  # how often the worker looks for mail to send
NOTIFY_RETRY_MINUTES = (1, 5, 30, 120)  # waits after failed tries; after the last, the delivery is 失败
NOTIFY_LEASE_MINUTES = 5  # a delivery a worker took is tried again by another after this, if that worker died
NOTIFY_SCAN_MINUTES = 15  # how often the worker makes the day's reminders (each at most once a day per person)
NOTIFY_DIGEST_HOUR = 7  # 每日汇总 from this hour (school time)
NOTIFY_REMIND_LIMIT = 200  # records per reminding filter per scan

# True only for the demo: creates the demo accounts with the published password.
DEMO_MODE = os.environ.get("DEMO_MODE", "0") == "1"

# Approval tiers (元). 采购: up to the 校长 limit 后勤主任 alone approves; above it 校长 approves too; above the
# 校务会 limit the 校务会 decides last (with its meeting minute number). 报废 of an asset worth more than the
# 校长 limit also needs the principal. Borrowing an asset at or above LOAN_APPROVAL_VALUE, or taking it out of
# school, needs approval.
PURCHASE_APPROVAL_LIMITS = {"校长": 1000, "校务会": 3000}
# 预算控制 (models/purchasing.py): a purchase request that leaves its 经费预算 below zero is submitted and approved
# with a warning (超出预算); one that would commit more than (1 + this share) × 预算金额 is refused at submission
# and at every approval. 0.10: stop past 110 % of the budget; 0: stop at any overrun (no warning band).
BUDGET_OVERRUN_TOLERANCE = 0.10
DISPOSAL_APPROVAL_LIMITS = {"校长": 10000}
LOAN_APPROVAL_VALUE = 5000
# 功能室预约 (models/venues.py): the day's 节次 a room is booked by, in the order of the day, with their times; a 节次
# left out here cannot be booked. 午间 and 晚间 are booked only in rooms open then.
SCHOOL_PERIODS = {
    "第1节": ("08:00", "08:45"), "第2节": ("08:55", "09:40"), "第3节": ("10:00", "10:45"), "第4节": ("10:55", "11:40"),
    "午间": ("12:20", "13:20"),
    "第5节": ("14:00", "14:45"), "第6节": ("14:55", "15:40"), "第7节": ("16:00", "16:45"), "第8节": ("16:55", "17:40"),
    "晚间": ("18:40", "20:40"),
}
