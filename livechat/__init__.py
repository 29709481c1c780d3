"""Live chat with clerk takeover for e-funcționar, as a custom Rasa input channel.

- :mod:`livechat.schedule` — working hours (weekly intervals, RO public holidays, closures);
- :mod:`livechat.channel` — ``WebsiteChannel``, the citizen websocket, widget and demo page;
- :mod:`web.console` — the clerks' console (login, presence, queue, takeover);
- :mod:`livechat.store` — conversations, clerks and queue in the database;
- :mod:`livechat.protocol` — the payloads the action server sends the channel, and state names.

Importing the package opens no connection and reads no file.
"""
