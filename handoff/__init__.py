"""Live chat with clerk takeover for e-funcționar, as a custom Rasa input channel.

- :mod:`handoff.schedule` — working hours (weekly intervals, RO public holidays, closures);
- :mod:`handoff.channel` — ``WebsiteChannel``, the citizen websocket, widget and demo page;
- :mod:`handoff.console` — the clerks' console (login, presence, queue, takeover);
- :mod:`handoff.store` — conversations, clerks and queue in the database;
- :mod:`handoff.trigger` — what ``action_request_human`` does (:func:`decide`).

Importing the package opens no connection and reads no file.
"""
