"""A real uvicorn server on loopback, in a thread of the test process."""

from __future__ import annotations

import dataclasses
import threading

import uvicorn

from labeler.server import app as app_mod
from labeler.server import config as config_mod
from labeler.server import listen


@dataclasses.dataclass
class LiveServer:
    settings: config_mod.ServerSettings
    url: str
    _server: uvicorn.Server
    _thread: threading.Thread
    _app: object

    @classmethod
    def start(cls, settings: config_mod.ServerSettings) -> LiveServer:
        app = app_mod.create_app(settings)
        sock = listen.listening_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="error", ws="none", lifespan="off", access_log=False)
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        started = threading.Event()
        for _ in range(500):
            if server.started:
                started.set()
                break
            started.wait(0.01)
        assert server.started, "the server did not start"
        return cls(settings, f"http://127.0.0.1:{port}", server, thread, app)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._app.state.labeler.engine.dispose()  # type: ignore[attr-defined]
