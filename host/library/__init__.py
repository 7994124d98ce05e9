"""The local reading list: the only owner of its SQL. ``db`` (the file and its migrations),
``store`` and ``items`` (pages), ``changes`` and ``outbox`` (what waits for the server),
``search``, ``query`` and ``listing`` (finding pages), ``urls`` (cleaning and keys),
``remote`` (a pull applied), ``articles`` (readable copies and the queue of pages to
fetch), and import and export (``importer``, ``imports``, ``import_csv``, ``import_html``,
``exports``)."""
