"""The ``viva-archive`` command line."""
