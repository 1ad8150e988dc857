"""The web process loads the language models at start and keeps what start-up built out of the garbage
collector's full passes."""

from __future__ import annotations

import gc

from bot.languages import detect
from webhooks.cli import freeze_heap, warm_language_models, web_process_app
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


async def test_the_web_process_loads_the_language_models_before_it_freezes_its_heap(
    settings: Settings,
) -> None:
    app = web_process_app(settings, with_worker=False)
    hooks = list(app.on_startup)
    assert hooks.index(warm_language_models) < hooks.index(freeze_heap)
    await warm_language_models(app)
    assert detect.language_after(None, "Hola, ¿dónde está mi pedido? Lo pedí la semana pasada") == "es"
