"""Accounts: users of a tenant (or partner users on the public schema), roles and their
permission matrix, login, API tokens, lockout, invitations."""
