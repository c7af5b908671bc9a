"""Fetching feeds over HTTP: timeouts, retries with backoff, conditional GET and a size cap.

Every failure becomes one `FetchError` whose message says what went wrong, so the poller can record
it per feed and carry on with the others.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict
from requests.adapters import HTTPAdapter, Retry

from alerts.errors import FetchError

USER_AGENT = "floodbot/0.1 (flood early warnings for community leaders)"
_CHUNK = 64 * 1024


class FetchResult(BaseModel):
    """A fetched document, or `not_modified` (a 304: nothing to do)."""

    model_config = ConfigDict(frozen=True)

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional GET."""
        return self.status == 304


def make_session(*, retries: int = 2, backoff: float = 0.5) -> requests.Session:
    """A Session that retries 5xx answers and connection errors with exponential backoff."""
    policy = Retry(
        total=retries,
        connect=retries,
        # A read timeout is not retried: a hung server would cost every retry a full timeout.
        read=0,
        status=retries,
        other=0,
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def fetch(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET url (conditionally when etag/last_modified are given); raise FetchError on any failure."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True) as response:
            if response.status_code == 304:
                return FetchResult(url=url, status=304, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason or ''} from {url}".replace("  ", " "))
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"response too large: {int(declared)} bytes declared, limit {max_bytes}")
            body = _read_capped(response, max_bytes)
            content_type = response.headers.get("Content-Type", "")
            result = FetchResult(
                url=url,
                status=200,
                body=body,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=content_type,
            )
    except requests.exceptions.Timeout:
        raise FetchError(f"timed out after {timeout:g} s: {url}") from None
    except requests.exceptions.RetryError as exc:
        raise FetchError(f"gave up after retries: {_short(exc)}") from None
    except requests.exceptions.ConnectionError as exc:
        raise FetchError(_connection_problem(exc, url)) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"request failed: {_short(exc)}") from None
    if not result.body.strip():
        raise FetchError(f"empty response body from {url}")
    if looks_like_html(result.body):
        raise FetchError(
            f"got an HTML page instead of a feed (status 200, Content-Type {content_type or 'none'}) from {url}"
        )
    return result


def looks_like_html(body: bytes) -> bool:
    """True when a body is an HTML page (a portal's error page served with status 200)."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<?xml") and b"<html" in head)


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    # Content-Length may be absent or lie (chunked, compressed): count what actually arrives.
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"response too large: more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _connection_problem(exc: BaseException, url: str) -> str:
    """What an operator needs from a connection error: the host and the root cause, not urllib3's chain."""
    host = urlsplit(url).netloc
    seen: set[int] = set()
    todo = [exc]
    while todo:
        err = todo.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, socket.gaierror) or type(err).__name__ == "NameResolutionError":
            return f"cannot connect: {host} not found (DNS lookup failed: is the network up, is the name right?)"
        if isinstance(err, ConnectionRefusedError):
            return f"cannot connect: {host} refused the connection"
        if isinstance(err, ssl.SSLError):
            return f"cannot connect: TLS error with {host}: {getattr(err, 'reason', None) or err}"
        # requests wraps urllib3's MaxRetryError, whose `reason` holds the real error.
        linked = [getattr(err, "reason", None), err.__cause__, err.__context__, *err.args]
        todo += [e for e in linked if isinstance(e, BaseException)]
    return f"cannot connect to {host}: {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
