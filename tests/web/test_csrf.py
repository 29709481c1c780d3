"""Issue 16: the HTML forms that change state — the console's and the archive's login and
logout — carry a CSRF token (signed double-submit: a random value in the ``efc_csrf``
cookie, its HMAC in the form); a form POST without it, or with a wrong one, is a 403 in
Romanian and changes nothing.

Wave 1 rested on SameSite alone: a page of another site could log a clerk out, or log
the browser in to an account of the attacker's choosing (login CSRF), with a plain form.
JSON requests need no token: a page of another site cannot send ``application/json``
without a CORS preflight this server never grants, and the Origin check refuses them.
"""

import aiohttp
import pytest

from tests.livechat.conftest import PASSWORD, add_clerk
from tests.web.pages import TOKEN, form_token
from tests.web.test_audit import AUDIT, archive, db_url  # noqa: F401  (fixtures)
from tests.web.test_browser import browser  # noqa: F401  (fixture)

FORMS = [
    pytest.param("/console/login", "ana", "/console/", id="console"),
    pytest.param(f"{AUDIT}/login", "maria.audit", f"{AUDIT}/", id="audit"),
]


def jar() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def session_cookies(http: aiohttp.ClientSession) -> set:
    return {c.key for c in http.cookie_jar if c.key in ("efc_session", "efc_audit")}


@pytest.mark.parametrize("login_path, username, home", FORMS)
async def test_a_login_form_without_the_right_token_is_refused_and_logs_nobody_in(
    site, archive, login_path, username, home
):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    url = f"{site.base}{login_path}"
    good = {"username": username, "password": PASSWORD}
    async with jar() as forged:
        # What a page of another site can send: the form, with no token (wave 1: 303).
        resp = await forged.post(url, data=good, allow_redirects=False)
        assert resp.status == 403, await resp.text()
        assert not session_cookies(forged)
    async with jar() as http:
        token = await form_token(http, url)
        attempts = [
            ("no token", good, {}),
            ("empty token", {**good, "csrf_token": ""}, {}),
            ("wrong token", {**good, "csrf_token": token[:-2] + "xx"}, {}),
            ("non-ascii token", {**good, "csrf_token": "ș" * 43}, {}),
            ("token of no cookie", {**good, "csrf_token": token}, {"Cookie": ""}),
        ]
        for what, form, headers in attempts:
            if headers:
                # Another browser: the form's token without the cookie it belongs to.
                async with aiohttp.ClientSession() as other:
                    resp = await other.post(url, data=form, allow_redirects=False)
                    assert not session_cookies(other), what
            else:
                resp = await http.post(url, data=form, allow_redirects=False)
            body = await resp.text()
            assert resp.status == 403, (what, body)
            assert "Reîncărcați pagina" in body and 'role="alert"' in body, (what, body)
            assert TOKEN.search(body), f"{what}: the page comes back with a fresh form"
            assert "efc_session=" not in resp.headers.get("Set-Cookie", ""), what
            assert "efc_audit=" not in resp.headers.get("Set-Cookie", ""), what
        assert not session_cookies(http)
        # A text/plain or multipart body is a form too.
        plain = await http.post(url, data=f"username={username}&password={PASSWORD}",
                                headers={"Content-Type": "text/plain"}, allow_redirects=False)  # fmt: skip
        assert plain.status == 403
        # Nothing above counted as a failed password: the right form logs in at once.
        ok = await http.post(url, data={**good, "csrf_token": token}, allow_redirects=False)
        assert ok.status == 303 and ok.headers["Location"] == home, await ok.text()
        assert session_cookies(http)


@pytest.mark.parametrize("login_path, username, home", FORMS)
async def test_a_logout_form_without_the_token_keeps_the_session(site, archive, login_path, username, home):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    me = f"{site.base}{home}api/me"
    logout = f"{site.base}{home}logout" if home != "/console/" else f"{site.base}/console/logout"
    async with jar() as http:
        token = await form_token(http, f"{site.base}{login_path}")
        resp = await http.post(
            f"{site.base}{login_path}", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert resp.status == 200 and (await http.get(me)).status == 200
        page_token = await form_token(http, f"{site.base}{home}")  # the Ieșire form of the page
        for form in ({}, {"csrf_token": "x" * 43}, {"csrf_token": page_token + "0"}):
            out = await http.post(logout, data=form, allow_redirects=False)
            assert out.status == 403, form
            assert "Ieșirea nu a fost făcută" in await out.text()
            assert (await http.get(me)).status == 200, "the session must survive a refused logout"
        out = await http.post(logout, data={"csrf_token": page_token}, allow_redirects=False)
        assert out.status == 303
        assert (await http.get(me)).status == 401


async def test_the_token_cookie_is_strict_and_httponly_and_kept_across_pages(site, archive):
    async with jar() as http:
        first = await http.get(f"{site.base}/console/login")
        cookie = first.headers["Set-Cookie"]
        assert "efc_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Path=/console" in cookie
        # A second tab (or the archive's login) keeps the same cookie, so the first tab's
        # form still works.
        token_console = await form_token(http, f"{site.base}/console/login")
        token_audit = await form_token(http, f"{site.base}{AUDIT}/login")
        assert token_console == token_audit
        ok = await http.post(
            f"{site.base}{AUDIT}/login",
            data={"username": "maria.audit", "password": PASSWORD, "csrf_token": token_console},
            allow_redirects=False,
        )
        assert ok.status == 303


async def test_json_logins_need_no_token(site, archive):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    async with jar() as http:
        resp = await http.post(f"{site.base}/console/login", json={"username": "ana", "password": PASSWORD})
        assert resp.status == 200
        out = await http.post(f"{site.base}/console/logout", json={})
        assert out.status == 200 and (await http.get(f"{site.base}/console/api/me")).status == 401


@pytest.mark.integration
def test_in_a_real_browser_the_forms_work_and_a_tampered_token_is_refused(browser, stack, stack_store):
    """Chromium: the login form (with its hidden token) logs in, "Ieșire" logs out; the
    same form with its token altered gets the Romanian refusal and a fresh form."""
    from playwright.sync_api import expect

    add_clerk(stack_store, "radu.csrf", "Radu Ionescu")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ro-RO")
    page = context.new_page()
    try:
        page.goto(f"{stack.base}/console/login")
        page.get_by_label("Utilizator").fill("radu.csrf")
        page.get_by_label("Parolă").fill(PASSWORD)
        page.evaluate("document.querySelector('input[name=csrf_token]').value = 'x'.repeat(43)")
        page.get_by_role("button", name="Intrați în consolă").click()
        expect(page.get_by_role("alert")).to_contain_text("Reîncărcați pagina")
        assert page.url == f"{stack.base}/console/login"
        page.get_by_label("Utilizator").fill("radu.csrf")
        page.get_by_label("Parolă").fill(PASSWORD)
        page.get_by_role("button", name="Intrați în consolă").click()
        expect(page.locator("#conn")).to_have_text("Conectat", timeout=20_000)
        page.get_by_role("button", name="Ieșire").click()
        expect(page).to_have_url(f"{stack.base}/console/login")
        assert page.request.get(f"{stack.base}/console/api/me").status == 401
    finally:
        context.close()
