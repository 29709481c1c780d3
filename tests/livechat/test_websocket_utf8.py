"""Issue 16: a text frame that is not valid UTF-8 closes the citizen's socket with 1007
("invalid frame payload data", RFC 6455 §7.4.1) and nothing of it is stored.

Wave 1 (websockets 10.4 under Sanic 21.12): Sanic's frame assembler raised
UnicodeDecodeError in a task nobody awaited ("Task exception was never retrieved"), the
frame vanished and the connection stayed open with no close and no error frame.
"""

import asyncio
import json

import aiohttp
import pytest
import websockets
from websockets.frames import Opcode

from tests.livechat.conftest import open_citizen

INVALID = [
    pytest.param(b"\xff\xfe", id="not-utf8-at-all"),
    pytest.param(b'{"type": "message", "text": "bun\xc3 ziua", "client_id": "bad"}', id="cut-sequence"),
    pytest.param(b'{"type": "message", "text": "\xed\xa0\x80", "client_id": "bad"}', id="encoded-surrogate"),
    pytest.param(b'{"type": "message", "text": "\xc0\xaf", "client_id": "bad"}', id="overlong-slash"),
]


async def _hello(ws) -> str:
    await ws.send(json.dumps({"type": "hello", "conversation_id": None}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert welcome["type"] == "welcome"
    return welcome["conversation_id"]


@pytest.mark.parametrize("payload", INVALID)
async def test_invalid_utf8_in_a_text_frame_closes_with_1007_and_stores_nothing(site, payload):
    async with websockets.connect(f"{site.ws_base}/webhooks/website/ws") as ws:
        cid = await _hello(ws)
        await ws.send(json.dumps({"type": "message", "text": "înainte", "client_id": "ok"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("type") != "ack":
            pass
        await ws.write_frame(True, Opcode.TEXT, payload)
        with pytest.raises(websockets.ConnectionClosed):
            while True:  # the bot's answer to "înainte" may still come first
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert frame.get("type") != "ack" or frame.get("client_id") == "ok", frame
        assert ws.close_code == 1007, (ws.close_code, ws.close_reason)
    await asyncio.sleep(0.2)
    texts = [m.text for m in site.service.store.transcript(cid) if m.sender == "citizen"]
    assert texts == ["înainte"]
    # The server is fine: the same conversation goes on from a new socket.
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base, cid)
        assert welcome["conversation_id"] == cid
        await citizen.send({"type": "message", "text": "după", "client_id": "after"})
        await citizen.next("ack", client_id="after")
        await citizen.ws.close()


async def test_valid_multibyte_text_split_across_frames_is_still_accepted(site):
    """The check is on the whole message: a character cut between two fragments is fine."""
    async with websockets.connect(f"{site.ws_base}/webhooks/website/ws") as ws:
        cid = await _hello(ws)
        data = json.dumps({"type": "message", "text": "Bună ziua, ș și ț", "client_id": "f"},
                          ensure_ascii=False).encode()  # fmt: skip
        cut = data.index("ș".encode()) + 1  # inside the two bytes of "ș"
        await ws.write_frame(False, Opcode.TEXT, data[:cut])
        await ws.write_frame(True, Opcode.CONT, data[cut:])
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("type") == "ack":
                break
        assert frame["client_id"] == "f"
    texts = [m.text for m in site.service.store.transcript(cid) if m.sender == "citizen"]
    assert texts == ["Bună ziua, ș și ț"]
