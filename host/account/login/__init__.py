"""A login: the flow (``oauth``), the loopback server it waits on (``loopback``), where the
service's page is shown (``openers``, ``window``; the window's own process is
``login_window``, with ``login_qt`` and ``window_policy``)."""
