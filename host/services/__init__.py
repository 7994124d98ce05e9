"""Reading-list services behind one seam (:mod:`.base`), one folder per service, found by
name in :mod:`.registry`."""
