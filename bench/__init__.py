"""Benchmarks (not tests): ``python -m bench`` runs every target on SQLite and PostgreSQL."""
