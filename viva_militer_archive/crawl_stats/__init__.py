"""Vocabulary of a crawl's stats: every stats key and drop reason, in
:mod:`viva_militer_archive.crawl_stats.keys`.

A package of its own, beneath every other one: the crawler writes these keys, the runs journal
(``storage``) keeps and summarises them, the scheduler's health checks read them; ``storage``
may not import ``crawler``, so the keys live where all three may import them. It imports
nothing of the project."""
