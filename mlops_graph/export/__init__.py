"""Exporters: Turtle and TriG, the HTML page, the report, and atomic writing of the output folder."""
