"""The operators' console: static HTML, CSS and ES modules served by the API's own app."""
