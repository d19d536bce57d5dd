"""The admin Mini App: an aiohttp sub-application (pages, JSON API, initData authentication).

Built from the chat's services (:class:`bot.services.Services`); mounted on the webhook server,
or on a server of its own in polling mode, when WEBAPP_URL is set. See :func:`build_webapp`.
"""

from bot.web.app import build_webapp, serve_webapp, webapp_prefix

__all__ = ["build_webapp", "serve_webapp", "webapp_prefix"]
