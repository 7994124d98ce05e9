@echo off
rem Pocket Companion's native messaging host, as browsers start it.
rem Written by `pocket-companion install`: it runs the Python that installed it,
rem with -P so that nothing is imported from the folder it was started in.
set "POCKET_COMPANION_HOME=C:\Users\me\Reading List"
"C:\Program Files\Python311\python.exe" -P -m pocket_companion.nativehost.host %*
