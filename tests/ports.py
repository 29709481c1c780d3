"""Free TCP ports on 127.0.0.1 for the servers the tests start."""

import socket
import threading
from typing import Set

_GIVEN: Set[int] = set()
_LOCK = threading.Lock()


def free_port() -> int:
    """A port nothing listens on now, and not one this process was given before: the
    kernel may hand the same port to two ``bind(0)`` calls in a row once the first socket
    is closed, and two servers started with it collide ("address already in use" — seen
    when a benchmark's two Rasa instances were given one port)."""
    with _LOCK:
        while True:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _GIVEN:
                _GIVEN.add(port)
                return port
