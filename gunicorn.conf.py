"""gunicorn settings for production: `.venv/bin/gunicorn -c gunicorn.conf.py run:app` (README, 生产环境).

stderr (systemd's journal, docker logs, or wherever the service manager sends it) gets gunicorn's own messages
and the application's records — each unhandled error with its traceback and the request id that the Chinese
error page shows as 错误编号 (app/web/errors.py); stdout gets one access line per request, ending with the
same id. Environment: BIND, WEB_CONCURRENCY, GUNICORN_TIMEOUT, LOG_LEVEL.
"""
import os

bind = os.environ.get("BIND", "0.0.0.0:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))  # an Excel export of 100,000 rows takes about two minutes
errorlog = "-"
accesslog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
