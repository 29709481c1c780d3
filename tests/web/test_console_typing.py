"""Typing indicators both ways: the citizen's widget sends "typing" frames that reach the
clerk holding the conversation (and nobody before a takeover), the clerk's console sends
them to the citizen with the clerk's name. Nothing is stored."""

import aiohttp

from tests.livechat.conftest import add_clerk, login
from tests.web.test_console import console_socket, queued_citizen


async def test_typing_frames_go_both_ways_only_while_a_clerk_holds_the_conversation(site):
    store = site.service.store
    add_clerk(store, "ana", "Ana Popescu")
    add_clerk(store, "ion", "Ion Ionescu")
    ana, ion = await login(site.base, "ana"), await login(site.base, "ion")
    async with ana, ion, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        live = await console_socket(ana, site)
        citizen, cid = await queued_citizen(http, site)
        before = len(store.transcript(cid))

        # Queued: nobody holds it, so the typing goes nowhere.
        await citizen.send({"type": "typing"})
        await citizen.send({"type": "ping"})
        await citizen.next("pong")
        assert (await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        await live.next("assigned")
        assert not any(f.get("type") == "typing" for f in live.frames)

        await citizen.send({"type": "typing"})
        typing = await live.next("typing", conversation_id=cid)
        assert typing == {"type": "typing", "conversation_id": cid, "who": "citizen"}

        await live.send({"type": "typing", "conversation_id": cid})
        seen = await citizen.next("typing")
        assert seen == {"type": "typing", "who": "clerk", "name": "Ana Popescu"}

        # Another clerk cannot type into it; a frame without a conversation is refused.
        other = await console_socket(ion, site)
        await other.send({"type": "typing", "conversation_id": cid})
        assert (await other.next("error"))["code"] == "not_yours"
        await other.send({"type": "typing"})
        assert (await other.next("error"))["code"] == "malformed"
        assert len(store.transcript(cid)) == before + 1  # only the takeover notice
        for socket in (citizen, live, other):
            await socket.ws.close()
