"""Telegram Bot API limits, in the units Telegram counts them (one place, imported everywhere).

Domain code that talks to Telegram (broadcast composing) and the Telegram layer both use
these; neither keeps a copy. Lengths are of the text after entity parsing.
"""

from __future__ import annotations

MAX_TEXT_CHARS = 4096  # sendMessage / editMessageText
MAX_CAPTION_CHARS = 1024  # captions of photos, videos, documents
MAX_CALLBACK_DATA_BYTES = 64  # callback_data, in UTF-8 bytes
MAX_INLINE_BUTTONS = 100  # buttons in one inline keyboard
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # files a bot may send
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # files a bot may fetch with getFile
