"""gunicorn settings for production: `.venv/bin/gunicorn -c gunicorn.conf.py run:app` (README, 生产环境).

stderr (systemd's journal, docker logs, or wherever the service manager sends it) gets gunicorn's own messages
and the application's records — each unhandled error with its traceback and the request id that the Chinese
error page shows as 错误编号 (app/web/errors.py); stdout gets one access line per request, ending with the
same id. Environment: BIND, WEB_CONCURRENCY, GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_MAX_REQUESTS,
LOG_LEVEL.

Workers: 2 × cores + 1 (gunicorn's advice for sync workers, which wait on the database most of the time) unless
WEB_CONCURRENCY says otherwise. Each worker has its own database pool and, without CACHE_REDIS_URL, its own
cache: with more than one worker, set CACHE_REDIS_URL and RATELIMIT_STORAGE_URI (README).
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:5000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))  # an Excel export of 100,000 rows takes about two minutes
# On restart or reload (SIGHUP, a deploy), a worker finishes the requests it holds — an export under way — first.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", str(timeout)))
# A worker is replaced after this many requests (0: never), the workers at different moments (jitter): memory a
# long-running process gathers is given back without all workers restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
errorlog = "-"
accesslog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
