"""What every server-rendered site of ours shares (the insight site, Min side, the staff desk to come): the login
with pre-session CSRF and server-held sessions (``site.py``, ``sessions.py``), the page skeleton and security
headers (``pages.py``) and the choice of language (``language.py``); each site keeps its cookies, words and pages."""
