"""Custom actions of e-funcționar, served by the rasa-sdk action server.

One module per concern; each action's ``run`` is short and delegates to a module that
knows nothing of Rasa (the forms catalog, later the schedule and the archive).
"""
