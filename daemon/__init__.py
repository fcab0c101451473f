"""The background process: calendar sync, plugin pipeline and jobs on a schedule."""
