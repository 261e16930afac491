"""Running the system: login hardening, CSRF, security headers, the Chinese catalogue, permissions, the CLI."""
