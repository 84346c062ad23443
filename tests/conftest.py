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


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last: Playwright's sync API leaves an asyncio loop marked as running on
    the main thread while its browser is open (DESIGN.md), which code asking for the running
    loop (the template pane's debounce) would otherwise find in every test after them."""
    items.sort(key=lambda item: "/browser/" in str(item.fspath).replace("\\", "/"))
