"""Internal notes on a conversation: archived for the auditors, shown to the clerk, never
sent to the citizen (not live, not in the history of a reload)."""

import aiohttp

from archive.turns import SYSTEM_EVENTS
from tests.livechat.conftest import FailingSink, add_clerk, login, open_citizen
from tests.livechat.test_abuse import site  # noqa: F401  (the site with a recording sink)
from tests.web.test_console import console_socket, queued_citizen

NOTE = "Cetățeanul revine mâine cu actul de proprietate; verificați dosarul 123."


async def test_an_internal_note_reaches_clerks_and_the_archive_never_the_citizen(site):  # noqa: F811
    store = site.service.store
    add_clerk(store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        live = await console_socket(ana, site)
        citizen, cid = await queued_citizen(http, site)
        assert (await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        url = f"{site.base}/console/api/conversations/{cid}/note"

        for body in ({"text": "   "}, {"text": "x" * 5000}, {}):
            bad = await ana.post(url, json=body)
            assert bad.status in (400, 413), body
        before = len(store.transcript(cid))

        resp = await ana.post(url, json={"text": NOTE})
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["message"]["note"] is True
        frame = await live.next("message", conversation_id=cid)
        assert frame["message"]["text"] == NOTE and frame["message"]["note"] is True
        assert len(store.transcript(cid)) == before + 1

        # A clerk message after it arrives, the note never did.
        await ana.post(f"{site.base}/console/api/conversations/{cid}/message", json={"text": "Bună ziua!"})
        await citizen.next("message", sender="clerk", text="Bună ziua!")
        assert not any(NOTE in str(f) for f in citizen.frames)
        await citizen.ws.close()
        _, welcome = await open_citizen(http, site.ws_base, cid)
        assert not any(NOTE in (m.get("text") or "") for m in welcome["history"])

        # Only the clerk who holds the conversation may add one.
        add_clerk(store, "ion", "Ion Ionescu")
        ion = await login(site.base, "ion")
        async with ion:
            other = await ion.post(url, json={"text": "notă străină"})
            assert other.status == 409 and (await other.json())["error"] == "not_yours"
        await live.ws.close()
    notes = [t for t in FailingSink.recorded if t.event == "internal_note"]
    assert [(t.speaker, t.text, t.clerk_id) for t in notes] == [("system", NOTE, "ana")]
    assert SYSTEM_EVENTS["internal_note"].startswith("Notă internă")  # the audit view's label
