"""Running the service: the embedded database, logging, metrics, health checks and the HTTP server's limits."""
