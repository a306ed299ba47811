"""One plot style for every report: layout, colours and the diverging scale (red lowers the answer's odds)."""

LAYOUT = {"template": "plotly_white", "margin": {"l": 70, "r": 30, "t": 50, "b": 60}, "font": {"size": 13}}
SUPPRESS_COLOUR = "#c0392b"  # red: lowers the answer's odds (obeys the instruction)
WALUIGI_COLOUR = "#2e6fac"  # blue: raises the forbidden answer's odds
# RdBu runs red (low) to blue (high), matching the bar colours above.
DIVERGING = "RdBu"
