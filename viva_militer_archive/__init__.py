"""viva-militer-archive: everything that ships beside the Scrapy project (``crawler``), the
archive (``storage``) and its migrations: the command line (``cli``), the web reader
(``web``), the scheduler daemon (``scheduling``), the crawl's stats vocabulary
(``crawl_stats``) and the offline sample site (``sample_site``).

Importing the package imports nothing else, so ``crawler`` and ``storage`` can use
:mod:`viva_militer_archive.crawl_stats` without loading the web or command-line stacks."""
