"""A minimal HTTP client for the benchmarks: a cookie session, CSRF tokens, streamed multipart."""
import http.client
import os
import re
import uuid
from urllib.parse import urlencode, urlsplit

TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class Session:
    """Keeps the session cookie across requests to one server."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        """Send one request on a new connection; return (status, body bytes, headers)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data, dict(response.getheaders())

    def cookie_header(self):
        """The Cookie header this session sends."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def token(self, path):
        """The CSRF token of the form at `path`."""
        status, data, _ = self.request("GET", path)
        match = TOKEN.search(data)
        if not match:
            raise RuntimeError(f"no CSRF token at {path} (HTTP {status})")
        return match.group(1).decode()

    def post_form(self, path, fields, token_from=None):
        """POST urlencoded fields with a CSRF token."""
        fields = dict(fields, csrf_token=self.token(token_from or path))
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username, password):
        """Log in through the login form; raise when refused."""
        status, _, headers = self.post_form("/login", {"username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login as {username} failed (HTTP {status})")

    def post_multipart(self, path, fields, files, token_from=None):
        """POST fields and files (name, filename, path) as multipart, streamed from disk."""
        fields = dict(fields, csrf_token=self.token(token_from or path))
        body = Multipart(fields, files)
        return self.request("POST", path, body, {"Content-Type": body.content_type,
                                                 "Content-Length": str(len(body))})


class Multipart:
    """An iterable multipart body with a known length; file contents are read in 1 MiB chunks."""

    def __init__(self, fields, files):
        self.boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self.parts = []
        for name, value in fields.items():
            self.parts.append(self._head(name) + b"\r\n\r\n" + str(value).encode() + b"\r\n")
        for name, filename, path in files:
            head = self._head(name, filename) + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            self.parts.extend([head, path, b"\r\n"])
        self.parts.append(f"--{self.boundary}--\r\n".encode())

    def _head(self, name, filename=None):
        head = f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"'
        if filename:
            head += f'; filename="{filename}"'
        return head.encode()

    def __len__(self):
        return sum(os.path.getsize(p) if not isinstance(p, bytes) else len(p) for p in self.parts)

    def __iter__(self):
        for part in self.parts:
            if isinstance(part, bytes):
                yield part
            else:
                with open(part, "rb") as f:
                    while chunk := f.read(1024 * 1024):
                        yield chunk
