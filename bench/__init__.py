"""Benchmarks that print figures (never asserted in tests). Run each as a module from the
repository root, e.g. ``python -m bench.search``, so ``bench``, ``crawler`` and ``storage``
import from the checkout without touching ``sys.path``."""
