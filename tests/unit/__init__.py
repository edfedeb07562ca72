"""Unit tests: fast, no database, no network."""
