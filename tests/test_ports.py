import socket
from typing import Any, Iterator, Tuple

import pytest

from tests import ports
from tests.ports import free_port


class _KernelGivingTheSamePortTwice:
    """A socket whose bind(0) gets the ports of ``sequence`` in turn, as the kernel may."""

    sequence: Iterator[int] = iter(())

    def __init__(self) -> None:
        self.port = 0

    def __enter__(self) -> "_KernelGivingTheSamePortTwice":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def bind(self, address: Tuple[str, int]) -> None:
        self.port = next(self.sequence)

    def getsockname(self) -> Tuple[str, int]:
        return ("127.0.0.1", self.port)


def test_a_port_the_kernel_hands_out_again_is_not_given_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "_GIVEN", set())
    _KernelGivingTheSamePortTwice.sequence = iter([41001, 41001, 41001, 41002])
    monkeypatch.setattr(ports.socket, "socket", _KernelGivingTheSamePortTwice)
    assert [free_port(), free_port()] == [41001, 41002]


def test_a_given_port_is_free_to_listen_on() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
