"""What every feature shares: the admin guard, middlewares, FSM storage, errors, formatting."""
