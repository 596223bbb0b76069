"""Staff accounts of the node (roles ``desk`` and ``admin``), their passwords and their login tokens.

Authentication: ``POST /api/staff/login`` with username and password returns a random bearer token, valid
for ``staff_token_hours``; every other ``/api/staff/`` request carries ``Authorization: Bearer <token>``.
Only a SHA-256 of the token is stored. Tokens, not HTTP Basic, so the deliberately slow password hash runs
once per login instead of once per request.
"""
