"""Readable copies of saved pages: what a capture or a fetch gives (:mod:`.model`), the
sanitizer every copy goes through before it is stored, and the background fetcher that
makes a copy of the pages the browser did not capture (its extraction runs in a child
process, never in the host)."""
