"""One real assistant (action server + Rasa server with the trained model) for every
integration module: each test speaks as its own sender, so they share it safely."""

import pytest

from tests.integration.servers import start_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    running = start_assistant(tmp_path_factory.mktemp("servers"))
    yield running
    running.stop()
