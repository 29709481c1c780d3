"""A local RFC 3161 time-stamping authority over HTTP, for the PAdES B-T tests.

pyHanko's ``DummyTimeStamper`` signs the time-stamp tokens with a test TSA certificate;
``http.server`` serves them on a free port of 127.0.0.1, so the seal talks to it exactly
as to a real TSA (``application/timestamp-query`` in, ``application/timestamp-reply`` out).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, List

from asn1crypto import tsp


class LocalTsa:
    """Start with ``with LocalTsa(stamper) as tsa:``; ``tsa.url``; ``tsa.requests`` counts."""

    def __init__(self, stamper: Any) -> None:
        self.stamper = stamper
        self.requests: List[str] = []
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                tsa.requests.append(self.headers.get("Content-Type", ""))
                answer = tsa.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def __enter__(self) -> "LocalTsa":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(stamper: Any) -> Iterator[LocalTsa]:
    """Fixture body: a running :class:`LocalTsa`, stopped afterwards."""
    with LocalTsa(stamper) as tsa:
        yield tsa
