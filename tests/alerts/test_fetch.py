"""Fetching against a real HTTP server on 127.0.0.1: conditional GET, retries, timeouts, size cap."""

from __future__ import annotations

import threading

import pytest
import requests
from werkzeug import Request, Response

from alerts.errors import FetchError
from alerts.fetch import fetch, make_session

XML = b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>"


@pytest.fixture
def session():
    s = make_session(retries=2, backoff=0)  # no backoff waits in tests
    yield s
    s.close()


def get(session, server, path="/feed", **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("max_bytes", 100_000)
    return fetch(session, server.url_for(path), **kw)


def test_ok_with_validators(httpserver, session):
    headers = {"ETag": '"v1"', "Last-Modified": "Tue, 25 Feb 2025 10:13:00 GMT"}
    httpserver.expect_request("/feed").respond_with_data(XML, headers=headers)
    r = get(session, httpserver)
    assert (r.status, r.body, r.etag, r.last_modified) == (200, XML, '"v1"', "Tue, 25 Feb 2025 10:13:00 GMT")


def test_conditional_get_304_means_no_work(httpserver, session):
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    r = get(session, httpserver, etag='"v1"')
    assert r.not_modified and r.body == b""


def test_retries_5xx_then_succeeds(httpserver, session):
    # Two 503s then a 200: the feed is read, not failed.
    answers = iter([Response("busy", 503), Response("busy", 502), Response(XML, 200)])
    httpserver.expect_request("/feed").respond_with_handler(lambda request: next(answers))
    assert get(session, httpserver).body == XML
    assert len(httpserver.log) == 3


def test_persistent_5xx_is_a_clear_error(httpserver, session):
    httpserver.expect_request("/feed").respond_with_data("down", status=503)
    with pytest.raises(FetchError, match="503"):
        get(session, httpserver)
    assert len(httpserver.log) == 3  # one try plus two retries


@pytest.mark.parametrize("status", [404, 403])
def test_4xx_is_not_retried(httpserver, session, status):
    httpserver.expect_request("/feed").respond_with_data("no", status=status)
    with pytest.raises(FetchError, match=str(status)):
        get(session, httpserver)
    assert len(httpserver.log) == 1


def test_connection_refused(session):
    # Bind a port, close it: nothing listens there.
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    # The message names the host and the root cause, not urllib3's chain of wrappers.
    with pytest.raises(FetchError, match=rf"^cannot connect: 127\.0\.0\.1:{port} refused the connection$"):
        fetch(session, f"http://127.0.0.1:{port}/feed", timeout=2, max_bytes=1000)


def test_timeout(httpserver, session):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)  # held until the client has given up
        return Response(XML)

    httpserver.expect_request("/feed").respond_with_handler(slow)
    try:
        with pytest.raises(FetchError, match="timed out"):
            get(session, httpserver, timeout=0.3)
    finally:
        release.set()


def test_declared_size_over_cap(httpserver, session):
    # A 20 MB body with Content-Length: refused before reading it.
    httpserver.expect_request("/feed").respond_with_data(b"x" * 20_000_000)
    with pytest.raises(FetchError, match="too large"):
        get(session, httpserver, max_bytes=5_000_000)


def test_streamed_size_over_cap(httpserver, session):
    # No Content-Length (chunked): counted while streaming and cut off.
    def chunks():
        for _ in range(320):
            yield b"y" * 65536  # 20 MB in all

    httpserver.expect_request("/feed").respond_with_handler(lambda r: Response(chunks(), direct_passthrough=True))
    with pytest.raises(FetchError, match="too large"):
        get(session, httpserver, max_bytes=5_000_000)


def test_html_page_with_200(httpserver, session, fixture_path):
    httpserver.expect_request("/feed").respond_with_data(
        fixture_path("html_error_page.html").read_bytes(), content_type="text/html"
    )
    with pytest.raises(FetchError, match="HTML page instead of a feed"):
        get(session, httpserver)


def test_empty_body(httpserver, session):
    httpserver.expect_request("/feed").respond_with_data(b"")
    with pytest.raises(FetchError, match="empty"):
        get(session, httpserver)


def test_session_type():
    assert isinstance(make_session(), requests.Session)
