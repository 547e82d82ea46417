"""Settings and hooks for gunicorn (`gunicorn -c python:capture.serving …`): the tuning of a
serving process, which create_app() leaves alone (the CLI, the worker and tests build apps too),
and problem documents (RFC 9457) for the answers gunicorn gives on its own, never its HTML pages:

- a request it refuses before the app sees it (request line or headers too long, malformed);
- a request whose worker it kills for running past `timeout`: the client gets 503 with
  Retry-After instead of a dropped connection (when nothing of the answer was sent yet).

The database waits at most CAPTURE_DB_BUSY_SECONDS (10 s) for a lock, and long work runs in
`capture worker`, so a request should never come near the timeout; this is the safety net.
"""
import gc
import json

from .uploads import keep_freed_pieces

timeout = 60  # seconds; keep well above CAPTURE_DB_BUSY_SECONDS
MEDIA_TYPE = "application/problem+json"
# Requests being served by this worker (threads too): id -> [socket, answer begun]. Plain dict
# operations, no lock: worker_abort runs in a signal handler that may interrupt any of them.
_serving = {}
TIMED_OUT = "请求处理时间超过了服务器允许的上限，已被终止，没有再做任何处理。请稍后重试。"


def problem_bytes(status, reason, detail, retry_after=None):
    """A whole HTTP/1.1 response carrying a problem document."""
    body = json.dumps({"type": "about:blank", "title": reason, "status": status, "detail": detail},
                      ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {MEDIA_TYPE}\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n"
            + (f"Retry-After: {retry_after}\r\n" if retry_after else "") + "\r\n")
    return head.encode("latin-1") + body


def _write_error(sock, status_int, reason, mesg):
    from gunicorn import util
    util.write_nonblock(sock, problem_bytes(status_int, reason, mesg))


class Tracked:
    """WSGI middleware: remembers the socket of the request being served and whether its answer
    has begun, for the worker_abort hook."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        key, entry = object(), [environ.get("gunicorn.socket"), False]
        _serving[key] = entry

        def starting(status, headers, exc_info=None):
            entry[1] = True
            return start_response(status, headers, exc_info)
        try:
            return self.app(environ, starting)
        finally:
            _serving.pop(key, None)


def prepare(app):
    """Tune this process to serve `app` (a gunicorn worker, or run.py); return the app.

    Each step has its measured gain beside the code that does it:
    - temporary files left by uploads a crash cut short are removed (live ones are locked);
    - glibc keeps freed upload pieces (uploads.keep_freed_pieces: under 20 page faults per MiB
      received against about 200; 2.3-2.5 ms of CPU per MiB against 3.3-3.6);
    - what is loaded by now is frozen out of the collector (below).
    """
    app.extensions["store"].clean_tmp()
    keep_freed_pieces()
    # The modules, templates and catalogues loaded so far live as long as the process. Left to
    # the collector, every full collection walks all of them again (40-50 ms, every few hundred
    # requests of a page); frozen, it walks only what the requests leave behind.
    gc.collect()
    gc.freeze()
    return app


def post_worker_init(worker):
    """Tune the worker for serving, answer gunicorn's own refusals with problem documents, and
    track requests for timeouts."""
    from gunicorn import util
    util.write_error = _write_error
    prepare(worker.wsgi)
    worker.wsgi = Tracked(worker.wsgi)


def worker_abort(worker):
    """The worker is being killed for its timeout: tell each waiting client so, plainly."""
    for sock, begun in list(_serving.values()):
        if sock is None or begun:
            continue
        try:
            sock.sendall(problem_bytes(503, "Service Unavailable", TIMED_OUT, retry_after=30))
        except OSError:
            pass
