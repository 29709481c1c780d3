"""Issue 16: the error pages Sanic renders itself — a path no route knows, a method a
route does not take, a request it cannot parse — carry the site's security headers and
a Romanian body, with no stack trace, no setting and nothing of the request in it.

Wave 1: ``GET /nu-exista`` answered Sanic's English "Not Found — Requested URL
/nu-exista not found" with neither Content-Security-Policy nor X-Frame-Options (the
channel's headers were a blueprint middleware, which runs only for its own routes).
"""

import asyncio
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.secrets import assert_no_internals

HTML = {"Accept": "text/html,application/xhtml+xml"}
JSON = {"Accept": "application/json"}


def assert_site_headers(resp: aiohttp.ClientResponse) -> None:
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert resp.headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in resp.headers.get("Content-Security-Policy", "")
    assert resp.headers.get("Referrer-Policy") == "same-origin"


@pytest.mark.parametrize(
    "method, path, status, words",
    [
        ("GET", "/nu-exista", 404, "nu există"),
        ("GET", "/formulare/a/b/c/../../etc/passwd", 404, "nu există"),
        ("GET", "/console/api/nu-exista", 404, "nu există"),
        ("GET", "/webhooks/nu-exista/webhook", 404, "nu există"),
        ("POST", "/demo", 405, "nu se poate folosi"),
        ("GET", "/console/logout", 405, "nu se poate folosi"),
        ("DELETE", "/console/api/me", 405, "nu se poate folosi"),
        ("PUT", "/webhooks/website/", 405, "nu se poate folosi"),
    ],
)
async def test_sanics_own_error_pages_are_romanian_with_the_site_headers(site, method, path, status, words):
    async with aiohttp.ClientSession() as http:
        for accept in (HTML, JSON):
            resp = await http.request(method, f"{site.base}{path}", headers=accept)
            body = await resp.text()
            assert resp.status == status, (path, body)
            assert_site_headers(resp)
            assert words in body, body
            assert_no_internals(body)
            assert "Requested URL" not in body and "Not Found" not in body, body
            if accept is JSON or "/api/" in path or path.startswith("/webhooks/"):
                data = await resp.json()
                assert data["error"] and words in data["message"], data
            else:
                assert resp.content_type == "text/html" and '<html lang="ro">' in body, body
                assert "/etc/passwd" not in body  # nothing of the request is echoed


async def _raw(site, request: bytes) -> bytes:
    """Send ``request`` as it is on a new TCP connection; the server's whole answer."""
    url = urlsplit(site.base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(request)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GET /demo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", id="bad-length"),
        pytest.param(
            b"GET /demo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", id="big-header"
        ),
        pytest.param(
            b"POST /console/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", id="encoding"
        ),
    ],
)
async def test_a_request_sanic_cannot_read_gets_a_romanian_4xx_with_the_headers(site, request_bytes):
    answer = (await _raw(site, request_bytes)).decode("utf-8", "replace")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.split(" ")[1] in ("400", "413"), answer
    lower = head.lower()
    assert "x-content-type-options: nosniff" in lower and "x-frame-options: deny" in lower, head
    assert "cererea" in body.lower(), body
    assert_no_internals(body)


class _Routed:
    """What web.errors reads of a request that reached a route (a Sanic request's fields)."""

    method, path, route = "GET", "/console/api/me", object()
    headers = {"accept": "application/json"}


def test_an_unhandled_error_in_a_route_is_a_romanian_500_that_shows_nothing_and_is_logged(caplog):
    from web.errors import error_response

    secret = "postgresql://u:Pg-not-shown@db/x"
    resp = error_response(_Routed(), RuntimeError(f"boom while connecting to {secret}"))
    body = resp.body.decode()
    assert resp.status == 500 and "eroare neprevăzută" in body and "nu s-a schimbat nimic" in body
    assert secret not in body and "boom" not in body
    assert_no_internals(body)
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records), "a 500 must be logged"
