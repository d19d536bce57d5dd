"""Constants and small helpers shared by the tests."""

CONSOLE_TOKEN = "1000001:console-secret"
ADMIN_ID = 700001
SECOND_ADMIN_ID = 700002
