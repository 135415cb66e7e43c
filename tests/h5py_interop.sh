#!/usr/bin/env bash
# h5py interop of the hdf5 chunk backend: hangar writes pack files, h5py (Debian python3-h5py)
# reads the raw chunks through hangar's zstd filter plugin found via HDF5_PLUGIN_PATH.
# Usage: tests/h5py_interop.sh /path/to/hangar /path/to/plugin-dir   (the dir of hangar_h5zstd)
# Fails when no python3 with h5py and numpy is available (scripts/setup.sh installs them).
set -euo pipefail

HANGAR=${1:?usage: h5py_interop.sh HANGAR PLUGIN_DIR}
PLUGIN_DIR=${2:?usage: h5py_interop.sh HANGAR PLUGIN_DIR}
HANGAR=$(cd "$(dirname "$HANGAR")" && pwd)/$(basename "$HANGAR")
PLUGIN_DIR=$(cd "$PLUGIN_DIR" && pwd)

PY=
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null &&
     "$candidate" -c 'import h5py, numpy' >/dev/null 2>&1; then
    PY=$candidate
    break
  fi
done
if [[ -z $PY ]]; then
  echo "FAIL: no python3 with h5py and numpy; scripts/setup.sh installs python3-h5py" >&2
  exit 1
fi
ls "$PLUGIN_DIR"/*hangar_h5zstd* >/dev/null || { echo "FAIL: no plugin in $PLUGIN_DIR" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/hangar-h5py.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

# Smooth float32 data (zstd pays: filtered rows) and uint8 noise (stored raw: mask 1 rows).
"$PY" - <<'EOF'
import numpy as np
z, y, x = np.meshgrid(np.arange(64), np.arange(256), np.arange(256), indexing="ij")
np.save("vol.npy", (np.sin(z / 9.0) + np.cos(y / 17.0) * x / 256.0).astype(np.float32))
np.save("noise.npy", np.random.default_rng(7).integers(0, 256, (16, 16), dtype=np.uint8))
EOF

"$HANGAR" init . --user-name tester --user-email t@example.org >/dev/null
"$HANGAR" column create vol --dtype float32 --shape 64,256,256 >/dev/null  # auto: hdf5
"$HANGAR" column create noise --dtype uint8 --shape 16,16 --backend hdf5 >/dev/null
"$HANGAR" put vol 0 vol.npy >/dev/null
"$HANGAR" put noise 0 noise.npy >/dev/null
"$HANGAR" commit -m "hdf5 samples" >/dev/null

# 1. Through the plugin, every grid block of vol and the noise tensor are rows of the packs.
HDF5_PLUGIN_PATH=$PLUGIN_DIR "$PY" - <<'EOF'
import glob, hashlib, h5py, numpy as np
vol, noise = np.load("vol.npy"), np.load("noise.npy")
rows, masks = set(), set()
packs = sorted(glob.glob(".hangar/chunks/hdf5/pack-*.h5"))
assert packs, "no pack files"
for path in packs:
    with h5py.File(path, "r") as f:
        assert f.attrs["hangar_pack_format"] == 2, "pack format attribute"
        for name, group in f.items():
            data, digest = group["data"], group["digest"]
            assert name == "r%d" % data.shape[1], name
            assert digest.shape == (data.shape[0], 32), digest.shape
            assert 32015 in data._filters or "32015" in data._filters, data._filters
            for i in range(data.shape[0]):
                row = data[i].tobytes()  # decoded by the zstd filter when needed
                # Each row's digest is the SHA-256 of its raw bytes (docs/format/location.md).
                assert digest[i].tobytes() == hashlib.sha256(row).digest(), "digest of row %d" % i
                rows.add(row)
                masks.add(data.id.get_chunk_info(i).filter_mask)
# The grid rule (docs/format/objects.md#chunk-grid) gives 64^3 blocks for float32 [64,256,256].
blocks = [vol[:, y:y + 64, x:x + 64] for y in range(0, 256, 64) for x in range(0, 256, 64)]
missing = sum(np.ascontiguousarray(b).tobytes() not in rows for b in blocks)
assert missing == 0, "%d of %d blocks not found in the packs" % (missing, len(blocks))
assert noise.tobytes() in rows, "raw chunk not found"
assert masks == {0, 1}, "expected zstd rows (mask 0) and raw rows (mask 1), got %s" % masks
print("h5py read %d chunk rows from %d pack(s) through the plugin" % (len(rows), len(packs)))
EOF

# 2. Without the plugin the zstd rows cannot be decoded (so the plugin did the work above).
if HDF5_PLUGIN_PATH=$T/no-plugins "$PY" - 2>/dev/null <<'EOF'
import glob, h5py
with h5py.File(sorted(glob.glob(".hangar/chunks/hdf5/pack-*.h5"))[0], "r") as f:
    f["r1048576/data"][0]
EOF
then
  echo "note: filter 32015 is available without the plugin (another zstd filter is installed)"
fi

# 3. hangar reads back what h5py saw.
"$HANGAR" get vol 0 -o back.npy >/dev/null
"$PY" -c 'import numpy as np; assert (np.load("back.npy") == np.load("vol.npy")).all()'
echo "ok: h5py interop"
