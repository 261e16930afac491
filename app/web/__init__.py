"""The generated web layer: each declared model's views, forms, lookups, document lines, workflow panels and
REST API, registered with Flask-AppBuilder; the home page, error pages and template helpers."""
