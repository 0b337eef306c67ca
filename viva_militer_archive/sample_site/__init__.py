"""Invented VIVA Militer pages in the site's markup, for fixtures, a local server and benchmarks."""
