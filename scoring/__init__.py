"""Score returned questionnaires: CSV -> validated responses -> maturity scores -> reports."""
