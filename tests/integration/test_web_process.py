"""The web process keeps what start-up built out of the garbage collector's full passes."""

from __future__ import annotations

import gc

from webhooks.cli import freeze_heap, web_process_app
from webhooks.settings import Settings


async def test_the_web_process_freezes_its_start_up_heap_once_the_app_has_started(settings: Settings) -> None:
    app = web_process_app(settings, with_worker=False)
    assert app.on_startup[-1] is freeze_heap  # after the database, channels and clients are built
    try:
        await freeze_heap(app)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
