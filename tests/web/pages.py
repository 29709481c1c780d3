"""What a test needs to use the site's HTML forms as a browser does."""

import re

import aiohttp

#: The hidden CSRF field of a form (web/csrf.py).
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([A-Za-z0-9_-]+)">')


async def form_token(http: aiohttp.ClientSession, url: str) -> str:
    """The CSRF token of the one form on the page at ``url`` (which sets its cookie)."""
    page = await http.get(url)
    assert page.status == 200, await page.text()
    found = TOKEN.findall(await page.text())
    assert len(found) == 1, f"{url}: {len(found)} CSRF fields"
    return found[0]
