"""Read a built manifest.json back into an Instrument: how the scorer and follow-ups
learn the item ids, scale and gate rule without ever re-reading the YAML."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InstrumentError, Location, problem
from .inputs import NotReadable, TooLarge, read_bounded
from .model import Instrument

MAX_MANIFEST_BYTES = 20_000_000


def load_manifest(path: Path | str) -> Instrument:
    path = Path(path)
    where = Location(str(path))
    try:
        data = json.loads(read_bounded(path, MAX_MANIFEST_BYTES).decode("utf-8-sig"))
    except TooLarge:
        raise InstrumentError([problem("MANIFEST_001", where,
                                       detail="file is too large")]) from None
    except NotReadable as exc:
        raise InstrumentError([problem("MANIFEST_001", where, detail=exc.detail)]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InstrumentError([problem("MANIFEST_001", where, detail=f"not valid JSON ({exc})")])
    except RecursionError:  # "[[[[..." nested deeper than the parser's stack
        raise InstrumentError([problem("MANIFEST_001", where,
                                       detail="not a manifest (nested too deeply)")]) from None
    try:
        instrument = Instrument.from_manifest(data)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError,
            RecursionError) as exc:
        raise InstrumentError([problem("MANIFEST_001", where, detail=f"missing or malformed field {exc}")])
    if data.get("content_hash") != instrument.content_hash:
        raise InstrumentError([problem("MANIFEST_002", where)])
    return instrument


def find_manifests(root: Path | str = "out") -> dict[str, list[Path]]:
    """Built manifests under ``root`` by instrument id (several profiles share one id)."""
    found: dict[str, list[Path]] = {}
    for path in sorted(Path(root).glob("**/manifest.json")):
        try:  # anything that is not a readable manifest is passed over, not an error here
            data = json.loads(read_bounded(path, MAX_MANIFEST_BYTES).decode("utf-8-sig"))
        except (NotReadable, ValueError, RecursionError):
            continue
        ident = data.get("id") if isinstance(data, dict) else None
        if isinstance(ident, str):
            found.setdefault(ident, []).append(path)
    return found
