"""No clerk to answer: "Lăsați un mesaj" is offered outside hours, and a citizen still
queued when the last clerk leaves is told and offered the same (before issue 14 they
waited forever, the widget still saying "Sunteți al 2-lea la rând")."""

import aiohttp

from tests.livechat.conftest import add_clerk, closed_now_schedule, login, open_citizen, set_schedule


async def test_a_queued_citizen_is_told_when_the_last_clerk_leaves(site):
    add_clerk(site.service.store, "ana.rp", "Ana Popescu")
    clerk = await login(site.base, "ana.rp")
    resp = await clerk.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
    assert resp.status == 200
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send(
            {"type": "message", "text": "/request_human", "payload": "/request_human", "client_id": "h1"}
        )
        await citizen.next("state", state="queued")

        resp = await clerk.post(f"{site.base}/console/api/presence", json={"presence": "indisponibil"})
        assert resp.status == 200
        told = await citizen.next("message", sender="system", timeout=10)
        assert told["text"].startswith("Ne pare rău, niciun funcționar nu mai este disponibil acum")
        (button,) = told["buttons"]
        assert button == {
            "title": "Lăsați un mesaj",
            "url": f"/depunere/mesaj?c={welcome['conversation_id']}",
        }
        await citizen.next("state", state="bot")
        assert site.service.store.queue() == []
    await clerk.close()


async def test_outside_hours_a_request_for_a_person_offers_to_leave_a_message(site, schedule_file):
    set_schedule(schedule_file, closed_now_schedule()[0])
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send(
            {"type": "message", "text": "/request_human", "payload": "/request_human", "client_id": "h1"}
        )
        answer = await citizen.next("message", sender="bot")
        titles = [b["title"] for b in answer["buttons"]]
        assert "Lăsați un mesaj" in titles
        page = await http.get(site.base + answer["buttons"][titles.index("Lăsați un mesaj")]["url"])
        assert page.status == 200 and "<title>Lăsați un mesaj" in await page.text()
