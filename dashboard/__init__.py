"""The Dash app: ``create_app()`` builds it; pages live in ``dashboard.pages``."""
