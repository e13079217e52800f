"""Regenerate the common-password list shipped with the layer.

Source: the frequency-ordered password list of zxcvbn-ts (npm @zxcvbn-ts/language-common,
MIT, maintained), installed by `npm ci`. Usage: python tools/update_common_passwords.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "node_modules" / "@zxcvbn-ts" / "language-common"
TARGET = ROOT / "layers" / "common" / "cmi" / "data" / "common-passwords.txt"


def main(package: Path = PACKAGE) -> int:
    meta = json.loads((package / "package.json").read_text())
    words = json.loads((package / "src" / "passwords.json").read_text())
    unique = sorted({w.strip().lower() for w in words if w.strip()})
    header = f"# {len(unique)} common passwords, from npm {meta['name']}@{meta['version']} ({meta['license']}).\n"
    TARGET.write_text(header + "\n".join(unique) + "\n", encoding="utf-8")
    print(f"wrote {len(unique)} passwords to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE))
