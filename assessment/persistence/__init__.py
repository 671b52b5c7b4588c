"""Persistence: the store (the only door to the database), table definitions, migrations, backup."""
