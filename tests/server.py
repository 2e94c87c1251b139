#!/usr/bin/python3
"""Local HTTP test server for afetch integration tests (stdlib only).

Usage:
    python3 tests/server.py --port 0 --port-file FILE [--log FILE] [--verbose]

Binds 127.0.0.1 only. With --port 0 a free port is picked; the chosen port
is written atomically to --port-file (FILE.tmp, then rename). Serves until
SIGTERM/SIGINT. With --log FILE, one JSON object per received request
({"method", "path", "headers"}, like /echo) is appended to FILE, so tests
can check what actually reached the server.

Endpoints (GET/HEAD; other methods are answered like GET):
    /                      200 text/plain "ok\\n"
    /delay/MS[/...]        sleep MS ms, 200 "delayed MS\\n"
    /status/CODE           status CODE, body "status CODE\\n" (none for 204/304)
    /bytes/N               200 application/octet-stream, exactly N bytes
    /redirect/N            302 -> /redirect/N-1; /redirect/0 -> 200 "done\\n"
    /redirect-loop         302 -> /redirect-loop
    /echo                  200 application/json {method, path, headers}
    /close                 close the connection without a response
    /html                  200 text/html small page
    anything else          404 "not found\\n"
Query strings are ignored for routing.
"""

import argparse
import http.server
import json
import os
import signal
import sys
import threading
import time

CHUNK = 64 * 1024
MAX_BYTES = 100 * 1024 * 1024
MAX_DELAY_MS = 600 * 1000

HTML_PAGE = (
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>afetch test</title></head>\n"
    "<body><h1>afetch test page</h1><p>h\u00e9llo</p></body></html>\n"
).encode("utf-8")


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
        if "://" in path:
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
        return {"method": self.command, "path": self.path, "headers": hdrs}

    def _log_request_doc(self):
        if self.server.request_log is None:
            return
        line = json.dumps(self._request_doc(), sort_keys=True) + "\n"
        with self.server.log_lock:
            self.server.request_log.write(line)
            self.server.request_log.flush()

    def _drain_body(self):
        """Read (and discard) a request body so keep-alive stays in sync."""
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                self.close_connection = True
                return
            while n > 0:
                chunk = self.rfile.read(min(n, CHUNK))
                if not chunk:
                    break
                n -= len(chunk)
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

        return self._not_found()

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

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
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
    ap.add_argument("--port-file", default=None)
    ap.add_argument("--log", default=None,
                    help="append one JSON line per request to this file")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    httpd = Server(("127.0.0.1", args.port), Handler)
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
        sys.stderr.write("listening on 127.0.0.1:%d\n" % port)

    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
