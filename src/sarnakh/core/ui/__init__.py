"""Helpers every app's staff pages use: view guards, htmx answers, number and date
formatting. Here rather than in `web` so that app views need not import the layer above
them (web's template tags call these same functions)."""
