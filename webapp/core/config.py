"""Settings, read from the environment only. Nothing here touches the disk or the network at import."""
import os
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def from_environment(instance_path: str) -> dict:
    """The configuration mapping for `create_app`, built from `os.environ`."""
    env = os.environ
    default_db = "sqlite:///" + str(Path(instance_path) / "proctora.sqlite3")
    return {
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_db,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "BASE_URL": (env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(env.get("MAIL_PORT"), 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Proctora <no-reply@proctora.local>"),
        "MAIL_TIMEOUT": _int(env.get("MAIL_TIMEOUT"), 10),
        "WEBHOOK_TIMEOUT": _int(env.get("WEBHOOK_TIMEOUT"), 10),
        # Every web worker counts in one place: Redis when given, else the application's database.
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "database://",
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Codes of two-factor sign-in tried per account; password reset e-mails asked for per address and
        # per client address.
        "TWO_FACTOR_RATE_LIMIT": env.get("TWO_FACTOR_RATE_LIMIT", "5 per minute"),
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT", "3 per hour"),
        "PASSWORD_RESET_IP_RATE_LIMIT": env.get("PASSWORD_RESET_IP_RATE_LIMIT", "20 per hour"),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        # Re-scores of more results than this run in the worker, this many sittings per poll.
        "RESCORE_IN_REQUEST_LIMIT": _int(env.get("RESCORE_IN_REQUEST_LIMIT"), 200),
        "RESCORE_BATCH_SIZE": _int(env.get("RESCORE_BATCH_SIZE"), 50),
        # Finished sittings whose answers a calibration reads per poll.
        "CALIBRATION_BATCH_SIZE": _int(env.get("CALIBRATION_BATCH_SIZE"), 200),
        # Questions a worker imports per poll, in one transaction with the import's progress.
        "IMPORT_BATCH_SIZE": _int(env.get("IMPORT_BATCH_SIZE"), 50),
        # "worker": a PDF not kept yet is rendered by the worker while the page says it is being prepared,
        # so no web worker is held by a rendering; "request": the request renders it (no worker, tests).
        "PDF_RENDERING": env.get("PDF_RENDERING") or "worker",
        # How far below the web server's CPU priority the worker runs (0: the same): its renders and batches
        # yield to candidates' requests.
        "WORKER_NICENESS": _int(env.get("WORKER_NICENESS"), 10),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), False),
        # How many reverse proxies in front of the app the operator trusts to set X-Forwarded-For,
        # -Proto and -Host (0: none, the headers are ignored, as anyone could send them).
        "TRUSTED_PROXIES": _int(env.get("TRUSTED_PROXIES"), 0),
        # Seconds a request of the exam page (a save, the clock) may wait for a thread before it is refused
        # with "busy, try again" (webapp/core/serving.py).
        "SHED_AFTER_SECONDS": float(env.get("SHED_AFTER_SECONDS") or 2),
    }
