"""Who the program is connected as, and how it got there: ``login`` (the redirect flow, its
loopback server, the window and the browser that show the service's page) and ``secrets``
(the keychain, its helper process and the token agent)."""
