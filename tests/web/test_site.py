"""The site's own files: the icon every browser asks for."""

import aiohttp


async def test_the_favicon_is_served_with_the_security_headers(site):
    """Wave 2: every page opened in a browser logged a 404 for /favicon.ico."""
    async with aiohttp.ClientSession() as http:
        resp = await http.get(f"{site.base}/favicon.ico")
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "image/x-icon"
        body = await resp.read()
        assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
