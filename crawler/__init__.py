"""VIVA Militer crawler: spiders, parsing and pipelines."""
