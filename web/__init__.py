"""Every page and JSON API for people, on the Rasa server's Sanic app.

- :mod:`web.site` — ``WebsiteChannel``: the live chat's channel with the pages below;
- :mod:`web.console` — the clerks' console (login, presence, queue, takeover);
- :mod:`web.audit` — the auditors' archive view (search, transcripts, exports).

Importing the package opens no connection and reads no file.
"""
