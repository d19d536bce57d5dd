"""Constants and small helpers shared by the tests."""

from typing import Any

CONSOLE_TOKEN = "1000001:console-secret"
ADMIN_ID = 700001
SECOND_ADMIN_ID = 700002


async def forge_press(standin: Any, user_id: int, data: str, token: str = CONSOLE_TOKEN) -> str:
    """A forged button press (see StandIn.forge_press)."""
    return str(standin.forge_press(user_id, data, token=token))
