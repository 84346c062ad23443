"""Fixtures shared across test areas."""
import pytest


@pytest.fixture(scope="session")
def emulator():
    """A real moto server on loopback, reached over HTTP like the kit's local target."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def local_target(emulator, monkeypatch):
    """Point the kit's local target at the test's emulator."""
    monkeypatch.setenv("STACKERYNB_LOCAL_ENDPOINT", emulator)
    return emulator
