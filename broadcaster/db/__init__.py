"""Database: models, sessions, migrations."""
