"""Domain logic shared by the API, the dashboard, the daemon and the CLI."""
