"""Constants and small helpers shared by the tests."""

from typing import Any

CONSOLE_TOKEN = "1000001:console-secret"
ADMIN_ID = 700001
SECOND_ADMIN_ID = 700002


async def forge_press(standin: object, user_id: int, data: str, token: str = CONSOLE_TOKEN) -> str:
    """A callback query with arbitrary data, as a malicious client could send it.

    ``press_button`` only presses buttons a message really has; a forged press is pushed as a raw
    update and registered so the bot's answerCallbackQuery is accepted and recorded.
    """
    core: Any = standin
    query_id = core.new_callback_id()
    query = {
        "id": query_id,
        "from": core.user(user_id).to_dict(),
        "chat_instance": "forged",
        "data": data,
    }
    update = core.push_update(token, {"callback_query": query})
    core.callback_queries[query_id] = {"token": token, "update": update}
    return str(query_id)
