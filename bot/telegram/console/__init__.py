"""The console itself: /start with its menu, /help, /cancel, and what no feature claimed."""
