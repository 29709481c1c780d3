"""The citizen's earlier conversations, as the clerk holding one sees them: tied by the
browser's id (the widget's hello) or by a filing whose access code was proved in the
chat; nothing else ties them (another browser, a wrong code), and a bad id is refused."""

from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from livechat.protocol import filing_status_payload
from livechat.tables import conversation_links
from tests.forms_catalog.conftest import pdf_cache_dir  # noqa: F401 - fixture (autouse)
from tests.forms_catalog.seal_fixtures import dev_pki, seal_env  # noqa: F401 - fixtures
from tests.livechat.conftest import Citizen, FakeAgent, add_clerk, login, running_site

BROWSER_A, BROWSER_B, BROWSER_C = "a" * 64, "b" * 64, "c" * 64


class StatusAgent(FakeAgent):
    """FakeAgent, and a status question answered as action_filing_status does."""

    async def handle_message(self, message: Any) -> None:
        if "stadiul" in (message.text or ""):
            await message.output_channel.send_custom_json(
                message.sender_id, filing_status_payload(message.text)
            )
            return
        await super().handle_message(message)


@pytest.fixture
def env(db_url, schedule_file, seal_env, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name, value in seal_env.items():  # the filing's receipt is sealed
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HANDOFF_CLERK_GRACE_SECONDS", "60")
    monkeypatch.delenv("SMTP_HOST", raising=False)


async def hello(http: aiohttp.ClientSession, site: Any, browser: Any) -> "tuple[Citizen, str]":
    citizen = Citizen(await http.ws_connect(f"{site.ws_base}/webhooks/website/ws"))
    await citizen.send({"type": "hello", "conversation_id": None, "browser": browser})
    return citizen, (await citizen.next("welcome"))["conversation_id"]


async def say(citizen: Citizen, text: str, client_id: str) -> str:
    await citizen.send({"type": "message", "text": text, "client_id": client_id})
    await citizen.next("ack", client_id=client_id)
    return (await citizen.next("message", sender="bot"))["text"]


async def test_earlier_conversations_by_browser_and_by_proved_filing(env):
    async with running_site({"housekeeping_seconds": 0.2}) as site, aiohttp.ClientSession() as http:
        site.app.ctx.agent = StatusAgent()
        filed = await (
            await http.post(
                f"{site.base}/depunere/trimite",
                json={
                    "mode": "mesaj",
                    "name": "Ion Ionescu",
                    "phone": "0721234567",
                    "message": "Când se ridică gunoiul?",
                },
            )  # fmt: skip
        ).json()
        number, code = filed["registration_no"], filed["access_code"]

        first, first_id = await hello(http, site, BROWSER_A)
        await say(first, "Bună ziua, am nevoie de un certificat de urbanism", "a1")
        await first.ws.close()
        proved, proved_id = await hello(http, site, BROWSER_B)
        assert (await say(proved, f"stadiul cererii {number} cod {code}", "b1")).startswith(
            f"Cererea nr. {number}"
        )
        await proved.ws.close()
        wrong, wrong_id = await hello(http, site, BROWSER_C)
        await say(wrong, f"stadiul cererii {number} cod ZZZZ-ZZZZ-ZZZZ", "c1")
        await wrong.ws.close()

        # A malformed browser id: refused, no conversation opened.
        bad = Citizen(await http.ws_connect(f"{site.ws_base}/webhooks/website/ws"))
        with site.service.store.session_scope() as conn:
            before = conn.execute(sa.select(sa.func.count()).select_from(conversation_links)).scalar()
        await bad.send({"type": "hello", "conversation_id": None, "browser": "<script>"})
        refused = await bad.next("error")
        assert refused["code"] == "malformed" and "browserului" in refused["message"]
        await bad.ws.close()

        # The citizen comes back in browser A and proves the filing too; a clerk takes over.
        now, now_id = await hello(http, site, BROWSER_A)
        await say(now, f"stadiul cererii {number} cod {code}", "n1")
        add_clerk(site.service.store, "ana", "Ana Popescu")
        ana = await login(site.base, "ana")
        async with ana:
            await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
            await now.send(
                {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
            )
            await now.next("state", state="queued")
            assert (await ana.post(f"{site.base}/console/api/conversations/{now_id}/takeover")).status == 200
            resp = await ana.get(f"{site.base}/console/api/conversations/{now_id}/earlier")
            listed = (await resp.json())["earlier"]
            assert {e["id"]: e["via"] for e in listed} == {
                first_id: ["același browser"],
                proved_id: [f"cererea nr. {number}"],
            }
            by_id = {e["id"]: e for e in listed}
            assert by_id[first_id]["first_message"] == "Bună ziua, am nevoie de un certificat de urbanism"
            assert [e["id"] for e in listed] == [proved_id, first_id]  # newest first

            one = await (
                await ana.get(f"{site.base}/console/api/conversations/{now_id}/earlier/{first_id}")
            ).json()
            assert [m["text"] for m in one["transcript"] if m["sender"] == "citizen"] == [
                "Bună ziua, am nevoie de un certificat de urbanism"
            ]
            # Not the citizen's (a wrong code ties nothing): 404, nothing shown.
            other = await ana.get(f"{site.base}/console/api/conversations/{now_id}/earlier/{wrong_id}")
            assert other.status == 404 and (await other.json())["error"] == "not_linked"
            # Only the clerk holding the conversation may look.
            add_clerk(site.service.store, "ion", "Ion Ionescu")
            ion = await login(site.base, "ion")
            async with ion:
                refused_list = await ion.get(f"{site.base}/console/api/conversations/{now_id}/earlier")
                assert refused_list.status == 409 and (await refused_list.json())["error"] == "not_yours"
        await now.ws.close()
        with site.service.store.session_scope() as conn:
            after = conn.execute(sa.select(sa.func.count()).select_from(conversation_links)).scalar()
        assert after == before + 2  # the return in browser A and its proved filing
