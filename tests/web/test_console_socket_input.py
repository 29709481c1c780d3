"""Issue 16: the console's websocket survives hostile frames from a logged-in page: a
frame nested 1,000 deep, a huge frame or a binary one gets the ``malformed`` error frame
and the socket stays open (wave 1's ``json.loads`` recursed out and closed it)."""

import aiohttp
import pytest

from tests.livechat.conftest import add_clerk, login


@pytest.mark.parametrize(
    "frame, code",
    [
        pytest.param("[" * 1000 + "]" * 1000, "malformed", id="deep-1000"),
        pytest.param('{"a":' * 5000 + "1" + "}" * 5000, "malformed", id="deep-object"),
        pytest.param('{"type": "ping", "x": "' + "a" * 70_000 + '"}', "too_large", id="70kb"),
        pytest.param(b"\x00\x01binary", "malformed", id="binary"),
    ],
)
async def test_a_hostile_console_frame_gets_an_error_and_the_socket_stays_open(site, frame, code):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk:
        ws = await clerk.ws_connect(f"{site.ws_base}/console/ws", headers={"Origin": site.base})
        snapshot = await ws.receive_json(timeout=10)
        assert snapshot.get("type") != "error", snapshot
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        refused = await ws.receive(timeout=10)
        assert refused.type == aiohttp.WSMsgType.TEXT, refused
        assert refused.json()["code"] == code and refused.json()["message"]
        await ws.send_json({"type": "ping"})
        assert (await ws.receive_json(timeout=10))["type"] == "pong"
        await ws.close()
