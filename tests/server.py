#!/usr/bin/python3
"""Local HTTP test server for afetch integration tests (stdlib only).

Usage:
    python3 tests/server.py --port 0 --port-file FILE [--log FILE] [--verbose]
                            [--tls-cert CERT --tls-key KEY] [--host ADDR]

Binds 127.0.0.1 only, or the loopback address --host names (a second host for
redirect tests: 127.0.0.2). With --port 0 a free port is picked; the chosen port
is written atomically to --port-file (FILE.tmp, then rename). Serves until
SIGTERM/SIGINT. With --log FILE, one JSON object per received request
({"method", "path", "headers"}, like /echo) is appended to FILE, so tests
can check what actually reached the server. A request with a Content-Length
also gets "body" (its first MiB as UTF-8, bad bytes replaced) and "body_hex". With --tls-cert and --tls-key the
server speaks HTTPS (HTTP/1.1 over TLS; the handshake runs in the request's
thread, so a client that never finishes it cannot block the others).

Endpoints (GET/HEAD; other methods are answered like GET):
    /                      200 text/plain "ok\\n"
    /delay/MS[/...]        sleep MS ms, 200 "delayed MS\\n"
    /status/CODE           status CODE, body "status CODE\\n" (none for 204/304)
    /bytes/N               200 application/octet-stream, exactly N bytes
    /redirect/N            302 -> /redirect/N-1; /redirect/0 -> 200 "done\\n"
    /redirect-loop         302 -> /redirect-loop
    /echo                  200 application/json {method, path, headers[, body,
                           body_hex]}
    /close                 close the connection without a response
    /html                  200 text/html small page

Fault endpoints:
    /reset-mid-body        200, Content-Length 100000, 1000 bytes, then TCP RST
    /short-body            200, Content-Length 1000, 500 bytes, then a normal close
    /bad-chunked           200, Transfer-Encoding: chunked, chunk size "zz", close
    /drip/N                200, Content-Length N, then one byte a second
    /endless               200, no Content-Length, Connection: close, bytes as
                           fast as possible until the client goes away
    /huge-header           200 with one 300 KB header (X-Huge), body "ok\\n"
    /gzip-bomb             200, Content-Encoding: gzip, application/octet-stream,
                           body = gzip of 100 MiB of zero bytes (~100 KB; built
                           once, on first use)
    /gzip-small            200, Content-Encoding: gzip, text/plain, body = gzip
                           (mtime 0) of "hello world\\n" x 100 (1200 bytes decoded)
    /silent                read the request, send nothing; keep the connection
                           until the client closes it (at most 60 s)
    /redirect-to?url=U[&code=C][&delay=MS]
                           status C (300-399, default 302) with Location: U (U is
                           URL-decoded), after sleeping MS ms (default 0)
    /content-disposition?name=X
                           200 "cd\\n" with Content-Disposition: attachment;
                           filename="X" (X is URL-decoded)
    /content-length?value=V[&value=W...]&body=N
                           200 with one Content-Length header per value, sent
                           as given (V URL-decoded), then N bytes (default 3)
                           and a close
    /set-cookie?name=N&value=V&attrs=A
                           200 "set\\n" with Set-Cookie: N=V (default c=1), then
                           "; A" if attrs is given (A is URL-decoded: "Secure; Path=/")
    /raw-header?name=N&hex=H[&code=C]
                           status C (default 200), body "raw\\n", with header N
                           carrying the raw bytes H (hex); N Content-Type sets
                           that header instead

Response endpoints (for --body and --headers):
    /api/items             200 application/json; charset=utf-8
                           {"items": [{"id": 1, "name": "one"}, {"id": 2, ...},
                           {"id": 3, ...}], "total": 3}
    /body?type=T&hex=H&repeat=N&deep=D
                           200 with Content-Type T (default text/plain; "none":
                           no Content-Type) and the bytes H (hex) N times
                           (default 1); with D, the JSON text "[" * D + "]" * D
    /multi-header          200 "multi\\n" with Set-Cookie twice, X-Multi three
                           times (a, b, c in that order) and X-Single once
    /many-headers?n=N      200 "many\\n" with N headers X-Many-I: 48 x's each (about
                           64 bytes a line; N at most 100000)
    /trailers?n=N          200, chunked body "ok\\n", then N trailer fields
                           X-Trailer-I: 48 x's each (N at most 100000)
    /interim               a 103 Early Hints response (with X-Interim: yes), then
                           200 "final\\n" with X-Final: yes

Counted endpoints (a counter per key K, kept in memory, thread-safe; the
request is counted before it is answered):
    /flaky/N?key=K         the first N requests 503 "flaky\\n", then 200 "ok\\n"
    /retry-after/N?key=K&secs=S
                           the first N requests 503 with "Retry-After: S"
                           (default 1), then 200 "ok\\n"
    /retry-after-date/N?key=K&secs=S
                           the first N requests 429 with Retry-After as an HTTP
                           date S seconds (default 1) after the current whole
                           second, so the wait is between S and S+1 s; then 200
    /status-count/CODE?key=K  status CODE, counted
    /count?key=K           200 text/plain: how many counted requests key K has
                           seen so far (not counted itself)

Concurrency endpoints (per key K, thread-safe):
    /inflight/MS?key=K     200 "ok\\n" after MS ms; while it sleeps it counts as in
                           flight for K
    /max-inflight?key=K    200 text/plain: the most requests of K in flight at once
    /tls-handshakes        200 text/plain "full N\\nresumed M\\n": TLS handshakes so far,
                           full ones and session resumptions (HTTPS servers only)
    /open-after/MS?of=K    after MS ms, 200 text/plain: how many connections that have
                           carried a request with key=K are open then

    anything else          404 "not found\\n"
Query strings are ignored for routing (the endpoints above read their own).
"""

import argparse
import email.utils
import gzip
import http.server
import io
import json
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import zlib

CHUNK = 64 * 1024
MAX_BYTES = 100 * 1024 * 1024
MAX_DELAY_MS = 600 * 1000
BODY_KEPT = 1024 * 1024

HTML_PAGE = (
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>afetch test</title></head>\n"
    "<body><h1>afetch test page</h1><p>h\u00e9llo</p></body></html>\n"
).encode("utf-8")

GZIP_BOMB_SIZE = 100 * 1024 * 1024
SILENT_MAX_S = 60
ENDLESS_MAX_S = 120          # a safety net only; clients go away long before
HUGE_HEADER_LEN = 300 * 1024

_gzip_lock = threading.Lock()
_gzip_cache = {}


def _gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def gzip_small():
    with _gzip_lock:
        if "small" not in _gzip_cache:
            _gzip_cache["small"] = _gzip_bytes(b"hello world\n" * 100)
        return _gzip_cache["small"]


def gzip_bomb():
    """gzip of GZIP_BOMB_SIZE zero bytes, streamed through zlib (no 100 MiB buffer)."""
    with _gzip_lock:
        if "bomb" not in _gzip_cache:
            comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            zeros = b"\0" * (1024 * 1024)
            parts = []
            for _ in range(GZIP_BOMB_SIZE // len(zeros)):
                parts.append(comp.compress(zeros))
            parts.append(comp.flush())
            _gzip_cache["bomb"] = b"".join(parts)
        return _gzip_cache["bomb"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
    # client's delayed ACK holds the body back ~40 ms on a reused connection.
    disable_nagle_algorithm = True
    server_version = "afetch-test-server/1.0"

    def version_string(self):
        return self.server_version

    # ------------------------------------------------------------------ utils
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def _route_path(self):
        path = self.path
        # absolute-form request target (proxy style): strip scheme://host
        # (origin-form starts with "/"; its query may hold "://")
        if not path.startswith("/") and "://" in path:
            rest = path.split("://", 1)[1]
            slash = rest.find("/")
            path = rest[slash:] if slash >= 0 else "/"
        for sep in ("?", "#"):
            idx = path.find(sep)
            if idx >= 0:
                path = path[:idx]
        return path or "/"

    def _request_doc(self):
        hdrs = {}
        for name, value in self.headers.items():
            key = name.lower()
            if key in hdrs:
                hdrs[key] = hdrs[key] + ", " + value
            else:
                hdrs[key] = value
        doc = {"method": self.command, "path": self.path, "headers": hdrs}
        body = getattr(self, "_body", None)
        if body is not None:
            doc["body"] = body.decode("utf-8", errors="replace")
            doc["body_hex"] = body.hex()
        return doc

    def _log_request_doc(self):
        if self.server.request_log is None:
            return
        line = json.dumps(self._request_doc(), sort_keys=True) + "\n"
        with self.server.log_lock:
            self.server.request_log.write(line)
            self.server.request_log.flush()

    def _drain_body(self):
        """Read a request body so keep-alive stays in sync; the first BODY_KEPT
        bytes are kept for the request log and /echo ("body", "body_hex")."""
        self._body = None
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                self.close_connection = True
                return
            kept = []
            while n > 0:
                chunk = self.rfile.read(min(n, CHUNK))
                if not chunk:
                    break
                if sum(len(k) for k in kept) < BODY_KEPT:
                    kept.append(chunk)
                n -= len(chunk)
            self._body = b"".join(kept)[:BODY_KEPT]
        elif "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            # we do not parse chunked uploads; just close after responding
            self.close_connection = True

    def _send(self, code, body=b"", ctype="text/plain", extra=None,
              with_body_len=True):
        self.send_response(code)
        if ctype is not None and code not in (204, 304):
            self.send_header("Content-Type", ctype)
        for k, v in (extra or []):
            self.send_header(k, v)
        if code in (204, 304) or (100 <= code < 200):
            body = b""
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    # --------------------------------------------------------------- dispatch
    def _handle(self):
        self._drain_body()
        self._log_request_doc()
        self._mark_connection()
        path = self._route_path()
        parts = [p for p in path.split("/") if p != ""]

        if path == "/":
            return self._send(200, b"ok\n")

        head = parts[0] if parts else ""

        if head == "delay" and len(parts) >= 2:
            try:
                ms = int(parts[1])
            except ValueError:
                return self._not_found()
            if ms < 0:
                return self._not_found()
            time.sleep(min(ms, MAX_DELAY_MS) / 1000.0)
            return self._send(200, ("delayed %d\n" % ms).encode())

        if head == "status" and len(parts) == 2:
            try:
                code = int(parts[1])
            except ValueError:
                return self._not_found()
            if not 100 <= code <= 599:
                return self._not_found()
            if 100 <= code < 200:
                # informational codes cannot be a final response; refuse
                return self._not_found()
            return self._send(code, ("status %d\n" % code).encode())

        if head == "bytes" and len(parts) == 2:
            try:
                n = int(parts[1])
            except ValueError:
                return self._not_found()
            if n < 0 or n > MAX_BYTES:
                return self._not_found()
            return self._send_bytes(n)

        if head == "redirect" and len(parts) == 2:
            try:
                n = int(parts[1])
            except ValueError:
                return self._not_found()
            if n < 0:
                return self._not_found()
            if n == 0:
                return self._send(200, b"done\n")
            return self._send(302, ("redirect to /redirect/%d\n" % (n - 1)).encode(),
                              extra=[("Location", "/redirect/%d" % (n - 1))])

        if path == "/redirect-loop":
            return self._send(302, b"redirect loop\n",
                              extra=[("Location", "/redirect-loop")])

        if path == "/echo":
            doc = self._request_doc()
            body = (json.dumps(doc, sort_keys=True) + "\n").encode("utf-8")
            return self._send(200, body, ctype="application/json")

        if path == "/close":
            self.close_connection = True
            # nothing is sent; handle_one_request will flush and return
            return

        if path == "/html":
            return self._send(200, HTML_PAGE, ctype="text/html; charset=utf-8")

        return self._handle_faults(path, parts, head)

    # ----------------------------------------------------------- fault helpers
    def _mark_connection(self):
        """Counts this connection as open for the request's key=K, once per connection."""
        key = self._query().get("key")
        if key is None or key in self._keys:
            return
        self._keys.add(key)
        with self.server.counter_lock:
            self.server.open_by_key[key] = self.server.open_by_key.get(key, 0) + 1

    def finish(self):
        with self.server.counter_lock:
            for key in self._keys:
                self.server.open_by_key[key] -= 1
        super().finish()

    def _query(self):
        q = self.path.split("?", 1)[1] if "?" in self.path else ""
        q = q.split("#", 1)[0]
        return {k: v[0] for k, v in urllib.parse.parse_qs(q, keep_blank_values=True).items()}

    def _count(self, key):
        """Count one request for key; return the new count (1 for the first)."""
        with self.server.counter_lock:
            n = self.server.counters.get(key, 0) + 1
            self.server.counters[key] = n
            return n

    def _int_part(self, parts, i):
        try:
            n = int(parts[i])
        except (IndexError, ValueError):
            return None
        return n if n >= 0 else None

    def _begin(self, code, headers):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def _handle_faults(self, path, parts, head):
        q = self._query()
        key = q.get("key", "")

        if path == "/reset-mid-body":
            self._begin(200, [("Content-Type", "application/octet-stream"),
                              ("Content-Length", "100000")])
            if self.command == "HEAD":
                return
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            time.sleep(0.2)
            return self._reset_connection()

        if path == "/short-body":
            self.close_connection = True
            self._begin(200, [("Content-Type", "application/octet-stream"),
                              ("Content-Length", "1000"), ("Connection", "close")])
            if self.command != "HEAD":
                self.wfile.write(b"x" * 500)
            return

        if path == "/bad-chunked":
            self.close_connection = True
            self._begin(200, [("Content-Type", "text/plain"),
                              ("Transfer-Encoding", "chunked")])
            if self.command != "HEAD":
                self.wfile.write(b"zz\r\nnot a chunk\r\n")
            return

        if head == "drip" and len(parts) == 2:
            n = self._int_part(parts, 1)
            if n is None:
                return self._not_found()
            self._begin(200, [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(n))])
            if self.command == "HEAD":
                return
            for _ in range(n):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1.0)
            return

        if path == "/endless":
            self.close_connection = True
            self._begin(200, [("Content-Type", "application/octet-stream"),
                              ("Connection", "close")])
            if self.command == "HEAD":
                return
            block = b"x" * CHUNK
            deadline = time.monotonic() + ENDLESS_MAX_S
            while time.monotonic() < deadline:
                self.wfile.write(block)
            return

        if path == "/huge-header":
            return self._send(200, b"ok\n", extra=[("X-Huge", "h" * HUGE_HEADER_LEN)])

        if path == "/gzip-bomb":
            return self._send(200, gzip_bomb(), ctype="application/octet-stream",
                              extra=[("Content-Encoding", "gzip")])

        if path == "/gzip-small":
            return self._send(200, gzip_small(), ctype="text/plain",
                              extra=[("Content-Encoding", "gzip")])

        if path == "/silent":
            self.close_connection = True
            sock = self.connection
            deadline = time.monotonic() + SILENT_MAX_S
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                r, _, _ = select.select([sock], [], [], min(left, 1.0))
                if r:
                    try:
                        if not sock.recv(4096):
                            return
                    except (OSError, ssl.SSLError):
                        return

        if path == "/redirect-to":
            url = q.get("url")
            try:
                code = int(q.get("code", "302"))
                delay_ms = int(q.get("delay", "0"))
            except ValueError:
                return self._not_found()
            if url is None or not 300 <= code <= 399 or not 0 <= delay_ms <= MAX_DELAY_MS:
                return self._not_found()
            time.sleep(delay_ms / 1000.0)
            return self._send(code, b"redirect\n", extra=[("Location", url)])

        if path == "/content-disposition":
            name = q.get("name", "x")
            return self._send(200, b"cd\n", ctype="application/octet-stream",
                              extra=[("Content-Disposition",
                                      'attachment; filename="%s"' % name)])

        if path == "/set-cookie":
            cookie = "%s=%s" % (q.get("name", "c"), q.get("value", "1"))
            if q.get("attrs"):
                cookie += "; " + q["attrs"]
            return self._send(200, b"set\n", extra=[("Set-Cookie", cookie)])

        if head == "flaky" and len(parts) == 2:
            n = self._int_part(parts, 1)
            if n is None:
                return self._not_found()
            if self._count(key) <= n:
                return self._send(503, b"flaky\n")
            return self._send(200, b"ok\n")

        if head == "retry-after" and len(parts) == 2:
            n = self._int_part(parts, 1)
            if n is None:
                return self._not_found()
            secs = q.get("secs", "1")
            if self._count(key) <= n:
                return self._send(503, b"retry later\n", extra=[("Retry-After", secs)])
            return self._send(200, b"ok\n")

        if head == "retry-after-date" and len(parts) == 2:
            n = self._int_part(parts, 1)
            if n is None:
                return self._not_found()
            try:
                secs = int(q.get("secs", "1"))
            except ValueError:
                return self._not_found()
            if self._count(key) <= n:
                when = email.utils.formatdate(int(time.time()) + 1 + secs, usegmt=True)
                return self._send(429, b"too many\n", extra=[("Retry-After", when)])
            return self._send(200, b"ok\n")

        if head == "status-count" and len(parts) == 2:
            code = self._int_part(parts, 1)
            if code is None or not 200 <= code <= 599:
                return self._not_found()
            self._count(key)
            return self._send(code, ("status %d\n" % code).encode())

        if head == "inflight" and len(parts) == 2:
            ms = self._int_part(parts, 1)
            if ms is None or not 0 <= ms <= MAX_DELAY_MS:
                return self._not_found()
            with self.server.counter_lock:
                now = self.server.inflight.get(key, 0) + 1
                self.server.inflight[key] = now
                self.server.max_inflight[key] = max(now, self.server.max_inflight.get(key, 0))
            try:
                time.sleep(ms / 1000.0)
            finally:
                with self.server.counter_lock:
                    self.server.inflight[key] -= 1
            return self._send(200, b"ok\n")

        if head == "open-after" and len(parts) == 2:
            ms = self._int_part(parts, 1)
            if ms is None or not 0 <= ms <= MAX_DELAY_MS:
                return self._not_found()
            time.sleep(ms / 1000.0)
            with self.server.counter_lock:
                n = self.server.open_by_key.get(q.get("of", ""), 0)
            return self._send(200, ("%d\n" % n).encode())

        if path == "/max-inflight":
            with self.server.counter_lock:
                n = self.server.max_inflight.get(key, 0)
            return self._send(200, ("%d\n" % n).encode())

        if path == "/tls-handshakes":
            with self.server.counter_lock:
                full, resumed = self.server.handshakes
            return self._send(200, ("full %d\nresumed %d\n" % (full, resumed)).encode())

        if path == "/count":
            with self.server.counter_lock:
                n = self.server.counters.get(key, 0)
            return self._send(200, ("%d\n" % n).encode())

        if path == "/content-length":
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            values = urllib.parse.parse_qs(query, keep_blank_values=True).get("value", [])
            n = self._int_part([q.get("body", "3")], 0)
            if n is None:
                return self._not_found()
            self._begin(200, [("Content-Type", "application/octet-stream"),
                              ("Connection", "close")] + [("Content-Length", v) for v in values])
            self.close_connection = True
            if self.command != "HEAD":
                self.wfile.write(b"x" * n)
            return
        if path == "/api/items":
            doc = {"items": [{"id": i, "name": n} for i, n in ((1, "one"), (2, "two"),
                                                               (3, "three"))],
                   "total": 3}
            return self._send(200, json.dumps(doc).encode(),
                              ctype="application/json; charset=utf-8")

        if path == "/body":
            try:
                deep = int(q.get("deep", "0"))
                body = bytes.fromhex(q.get("hex", "")) * int(q.get("repeat", "1"))
            except ValueError:
                return self._not_found()
            if deep:
                body = b"[" * deep + b"]" * deep
            ctype = q.get("type", "text/plain")
            return self._send(200, body, ctype=None if ctype == "none" else ctype)

        if path == "/multi-header":
            return self._send(200, b"multi\n", extra=[
                ("Set-Cookie", "a=1; Path=/"), ("X-Multi", "a"), ("X-Single", "one"),
                ("X-Multi", "b"), ("Set-Cookie", "b=2; Path=/"), ("X-Multi", "c")])

        if path == "/many-headers":
            n = self._int_part([q.get("n", "10")], 0)
            if n is None or n > 100000:
                return self._not_found()
            return self._send(200, b"many\n",
                              extra=[("X-Many-%d" % i, "x" * 48) for i in range(n)])

        if path == "/trailers":
            n = self._int_part([q.get("n", "1")], 0)
            if n is None or n > 100000:
                return self._not_found()
            self._begin(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"),
                              ("Trailer", "X-Trailer-0")])
            if self.command != "HEAD":
                trailers = b"".join(b"X-Trailer-%d: %s\r\n" % (i, b"x" * 48) for i in range(n))
                self.wfile.write(b"3\r\nok\n\r\n0\r\n" + trailers + b"\r\n")
            return

        if path == "/interim":
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nX-Interim: yes\r\n\r\n")
            return self._send(200, b"final\n", extra=[("X-Final", "yes")])

        if path == "/raw-header":
            # /raw-header?name=N&hex=H[&code=C]: header N carrying the raw bytes H (any bytes:
            # invalid UTF-8, controls), for what a hostile server can put in a result
            try:
                value = bytes.fromhex(q.get("hex", "")).decode("latin-1")
                code = int(q.get("code", "200"))
            except ValueError:
                return self._not_found()
            name = q.get("name", "X-Raw")
            if name.lower() == "content-type":
                return self._send(code, b"raw\n", ctype=value)
            return self._send(code, b"raw\n", extra=[(name, value)])

        return self._not_found()

    def _reset_connection(self):
        """Abort the connection with a TCP RST: SO_LINGER on, timeout 0, close."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # the rfile/wfile wrappers hold references; close() releases the fd only
        # once they are gone, so close the descriptor itself
        try:
            os.close(sock.detach())
        except OSError:
            pass

    def _not_found(self):
        return self._send(404, b"not found\n")

    def _send_bytes(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        if self.command == "HEAD":
            return
        block = b"x" * CHUNK
        left = n
        while left > 0:
            k = min(left, CHUNK)
            self.wfile.write(block if k == CHUNK else block[:k])
            left -= k

    def setup(self):
        self._keys = set()
        if isinstance(self.request, ssl.SSLSocket):
            # handshake here, in the request's thread, not in accept()
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
            with self.server.counter_lock:
                full, resumed = self.server.handshakes
                if self.request.session_reused:
                    resumed += 1
                else:
                    full += 1
                self.server.handshakes = (full, resumed)
        super().setup()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                ssl.SSLError, ValueError, OSError):
            # ValueError/OSError: writes after _reset_connection closed the fd
            self.close_connection = True

    def __getattr__(self, name):
        # do_GET, do_HEAD, do_POST, do_WHATEVER: all answered the same way
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True
    verbose = False
    request_log = None
    log_lock = threading.Lock()
    counter_lock = threading.Lock()

    def __init__(self, *args, **kwargs):
        self.counters = {}
        self.inflight = {}
        self.max_inflight = {}
        self.open_by_key = {}
        self.handshakes = (0, 0)
        super().__init__(*args, **kwargs)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="afetch integration test server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to bind (127.0.0.0/8 only)")
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--log", default=None,
                    help="append one JSON line per request to this file")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tls-cert", default=None, help="serve HTTPS with this PEM certificate")
    ap.add_argument("--tls-key", default=None, help="PEM private key for --tls-cert")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if not args.host.startswith("127."):
        ap.error("--host must be a 127.0.0.0/8 address: tests stay on loopback")

    httpd = Server((args.host, args.port), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                       do_handshake_on_connect=False)
    httpd.verbose = args.verbose
    if args.log:
        httpd.request_log = open(args.log, "a", encoding="utf-8")
    port = httpd.server_address[1]

    def on_term(signum, frame):
        # shutdown() blocks until serve_forever returns, so do it elsewhere
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    if args.port_file:
        write_port_file(args.port_file, port)
    if args.verbose:
        sys.stderr.write("listening on %s:%d\n" % (args.host, port))

    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
