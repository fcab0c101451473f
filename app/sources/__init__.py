"""Calendar sources: where synced events come from (Google, a demo calendar, ICS feeds)."""
