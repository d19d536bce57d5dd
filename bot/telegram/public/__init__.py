"""Everyone who is not an admin: a welcome, no hint of the console, and bookkeeping."""
