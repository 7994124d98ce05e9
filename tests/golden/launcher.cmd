@echo off
rem Pocket Companion's native messaging host, as browsers start it.
rem Written by `pocket-companion install`: it runs the Python that installed it.
set "POCKET_COMPANION_HOME=C:\Users\me\Reading List"
"C:\Program Files\Python311\python.exe" -m pocket_companion.hostmain %*
