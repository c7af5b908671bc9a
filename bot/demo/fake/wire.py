"""The wire side of the fake Telegram server: HTTP handling, request bodies as PTB sends them, HTML checks."""

from __future__ import annotations

import email.message
import email.parser
import json
import sys
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

# Values PTB sends as plain strings; everything else is JSON-encoded by PTB.
STRING_PARAMS = {"text", "caption", "parse_mode", "callback_query_id", "file_id", "photo", "url", "inline_message_id"}
# Tags Telegram's HTML parse mode accepts.
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
             "blockquote", "tg-emoji"}


class _HTMLCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in HTML_TAGS:
            self.problem = self.problem or f"unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f"unexpected end tag \"{tag}\""
        else:
            self.stack.pop()


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML text, or None."""
    check = _HTMLCheck()
    check.feed(text)
    check.close()
    if check.problem is None and check.stack:
        return f"can't find end tag corresponding to start tag \"{check.stack[-1]}\""
    return check.problem


def ok(result: Any) -> tuple[int, dict]:
    """A successful Bot API answer: (200, body)."""
    return 200, {"ok": True, "result": result}


def error(code: int, description: str, **parameters: Any) -> tuple[int, dict]:
    """A failed Bot API answer: (code, body), with `parameters` such as retry_after."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


def _decode(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_body(content_type: str, body: bytes) -> dict:
    """The request parameters: form-encoded, multipart (uploads come as bytes) or JSON."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser().parsebytes(
            f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        # typeshed's unions cover every message shape; a multipart form's parts are messages with a name and bytes.
        for part in cast(list[email.message.Message], message.get_payload()):
            name = cast(str, part.get_param("name", header="content-disposition"))
            data = cast(bytes, part.get_payload(decode=True))
            if part.get_filename() is not None:
                params[name] = data
            else:
                params[name] = _decode(name, data.decode("utf-8"))
        # PTB sends an upload as an attach:// reference in the field, the bytes in another part.
        for name, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[name] = params.get(value.removeprefix("attach://"), value)
        return params
    return {k: _decode(k, v) for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True)}


class Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request (the kill -9 test) is expected; anything else is reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    # Headers and body are separate writes: without TCP_NODELAY, delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True
    server_fake: Any  # the FakeTelegram (set on a subclass per server)

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
        pass  # quiet: tests read `calls` instead

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self) -> None:
        fake = self.server_fake
        if fake.refusing:  # unreachable: a kept-alive connection is dropped without an answer
            self.close_connection = True
            return
        path = unquote(urlsplit(self.path).path)  # httpx quotes the ":" of the token in file URLs
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            data = fake.file_bytes(file_path) if token == fake.token else None
            if data is None:
                self._reply(404, b"Not Found", "text/plain")
            else:
                self._reply(200, data, "application/octet-stream")
            return
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or token != fake.token:
            status, answer = error(401, "Unauthorized")
        else:
            params = parse_body(self.headers.get("Content-Type", ""), body)
            status, answer = fake.handle(method, params)
        self._reply(status, json.dumps(answer, ensure_ascii=False).encode())

    do_GET = _route
    do_POST = _route

