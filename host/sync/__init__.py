"""Two-way sync with the connected account (``engine``)."""
