"""Build OPM3-style maturity questionnaires from YAML item banks.

The pipeline: ``loader`` (YAML -> validated Bank/Profile) -> ``compile``
(Instrument, one language and profile) -> ``artifacts`` (renderers -> bytes)
-> ``atomic`` (files on disk, all or nothing).
"""

__version__ = "0.1.0"
