"""Read a built manifest.json back into an Instrument: how the scorer and follow-ups
learn the item ids, scale and gate rule without ever re-reading the YAML."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import InstrumentError, Location, problem
from .inputs import NotReadable, TooLarge, read_bounded
from .model import Instrument, body_hash

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
    # the hash of the file's own body, so manifests of every format check alike
    if data.get("content_hash") != body_hash({k: v for k, v in data.items() if k != "content_hash"}):
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


def bundled_instrument(ident: str) -> Instrument | None:
    """The bundled questionnaire whose id is ``ident``, compiled with default options; None
    if no bundled bank makes it.

    What the scorer falls back on when no manifest under out/ has the id, so that an
    installed package scores returns of its own questionnaires (and the bundled demo)
    from any folder. The id leaves out the language, and profiles that ask the same
    stems share it; the generic profile in the bank's first language is preferred, as
    among built manifests, then the other profiles in name order.
    """
    from .compile import compile_instrument
    from .loader import BANKS_DIR, PROFILES_DIR, bundled, load_bank, load_profile

    profiles = sorted(bundled(PROFILES_DIR), key=lambda name: (name != "generic", name))
    for name in bundled(BANKS_DIR):
        try:
            bank = load_bank(name)
        except InstrumentError:
            continue
        if not ident.startswith(f"{bank.id}-{bank.version}-"):
            continue
        for profile in profiles:
            try:
                inst = compile_instrument(bank, load_profile(profile, bank), bank.languages[0])
            except InstrumentError:
                continue
            if inst.id == ident:
                return inst
    return None
