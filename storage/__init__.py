"""The one storage layer of e-funcționar.

- :mod:`storage.db` — ``DATABASE_URL`` (read here only), the engine factory every package
  uses, units of work, and the one migration tree (:func:`storage.db.upgrade`);
- :mod:`storage.errors` — the database errors every package's own errors build on.

Importing the package opens no connection and reads no file.
"""
