"""Online monitoring (CEMS) hourly data: read HJ 212-style exports, substitute invalid hours, sum valid hours."""
