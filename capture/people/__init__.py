"""People: logging in, roles and can(), accounts, administration, API tokens."""
