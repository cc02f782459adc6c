"""Taperwatch's domain: tables, database, clinical rules and audited write operations.

This package imports neither ``dashboard`` nor ``jobs``.
"""
