"""Database access: the pool (embedded server by default), migrations and named queries."""
