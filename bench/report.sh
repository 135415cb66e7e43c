#!/usr/bin/env bash
# bench/report.sh RESULTS_TSV PEERS_TSV QUICK: turns bench/run.sh's TSV into bench/RESULTS.md.
set -euo pipefail
tsv=$1
peers=$2
quick=$3
mode=${4:-}  # the run.sh arguments, for the header

cat <<EOF
# Benchmark results

Produced by \`bench/run.sh${mode:+ $mode}\` on $(date -u +%Y-%m-%d) ($(nproc) cores,
$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)). Every step is a whole process
(start-up included) timed by GNU time; raw figures in \`bench/out/results.tsv\`.
Peer figures (hangar-py 0.5.2, git-lfs 3.3.0 over file://) are from \`bench/peers.tsv\`,
measured on the same machine kind. "x hangar-py" is hangar-py's time divided by ours
(above 1: we are faster). Ceilings are measured in the same run by \`bench_ceilings\`.
EOF

awk -F'\t' -v quick="$quick" '
FNR == 1 { file++ }
file == 1 && $1 !~ /^#/ && $1 != "workload" { pys[$1 SUBSEP $2] = $3; pymb[$1 SUBSEP $2] = $4;
                                              lfs[$1 SUBSEP $2] = $5; next }
file == 2 && FNR > 1 {
  w = $1; s = $2
  if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
  if ($3 != "") { n[w]++; steps[w, n[w]] = s; wall[w, s] = $3; usr[w, s] = $4; sys[w, s] = $5;
                  rss[w, s] = $6 }
  else { val[w, s] = $7; unit[w, s] = $8 }
}
# Per step, the time this machine needs for the same work without hangar (ceil[w, step], s):
# import = PNG decode of the same files on 1 thread; read = zstd decompression of the bytes
# read; export = the hangar PNG encoder writing the same number of files on 1 thread (png), or
# copying that many files plus writing the bytes at disk speed (npy); push/clone = writing the
# bytes of the repository at disk write+fsync speed.
function ceilings(w,   nbase, per, files, disk) {
  if (val[w, "ceiling_png_decode_seconds"] == "") return
  nbase = val[w, "ceiling_png_decode_images"] * val[w, "ceiling_png_decode_seconds"]
  per = val[w, "ceiling_png_decode_seconds"] / nbase
  ceil[w, "import_jobs1"] = ceil[w, "import"] = val[w, "ceiling_png_decode_seconds"]
  if (val[w, "changes_files"] != "") ceil[w, "import_changes"] = per * val[w, "changes_files"]
  if (val[w, "read_mb"] != "" && val[w, "ceiling_zstd_decompress"] > 0)
    ceil[w, "read_all"] = ceil[w, "read_clone"] = val[w, "read_mb"] / val[w, "ceiling_zstd_decompress"]
  files = (val[w, "count_after"] != "") ? val[w, "count_after"] / nbase : 1
  if (val[w, "ceiling_png_encode_seconds"] != "") ceil[w, "export_png"] = val[w, "ceiling_png_encode_seconds"] * files
  if (val[w, "ceiling_files_write_seconds"] != "" && val[w, "read_mb"] != "")
    ceil[w, "export_npy"] = val[w, "ceiling_files_write_seconds"] * files + val[w, "read_mb"] / val[w, "ceiling_disk_write_fsync"]
  if (val[w, "disk_repo"] != "" && val[w, "ceiling_disk_write_fsync"] > 0) {
    disk = val[w, "disk_repo"] / 1e6 / val[w, "ceiling_disk_write_fsync"]
    ceil[w, "push"] = ceil[w, "clone_all"] = disk
  }
}
function peer(w, s) { p = (w SUBSEP s); return (p in pys) ? pys[p] : "-" }
function ratio(a, b) { return (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function f(x, d) { return x == "" ? "-" : sprintf("%." d "f", x) }
END {
  for (i = 1; i <= nw; i++) {
    w = order[i]
    # Peer figures are for the full-size workloads: a --quick run is not set beside them.
    pw = (w ~ /^S/ || quick == 1) ? "" : substr(w, 1, 1)
    printf "\n## %s\n\n", (w ~ /^S/) ? "Scale: " substr(w, 2) " tiny 16x16 images" : (w == "icons" ? "Real images: Adwaita 48x48 icons (RGBA)" : "Workload " w)
    if (val[w, "ceiling_memcpy"] != "") {
      printf "Ceilings: memcpy %.1f GB/s; PNG decode (hangar decoder, 1 thread) %.0f images/s = %.0f MB/s (%.3f s for the base folder);\n", val[w, "ceiling_memcpy"], val[w, "ceiling_png_decode_images"], val[w, "ceiling_png_decode"], val[w, "ceiling_png_decode_seconds"]
      printf "zstd level 3 per sample: compress %.0f MB/s, decompress %.0f MB/s, ratio %.2fx; disk write+fsync %.0f MB/s;\n", val[w, "ceiling_zstd_compress"], val[w, "ceiling_zstd_decompress"], val[w, "ceiling_zstd_ratio"], val[w, "ceiling_disk_write_fsync"]
      printf "PNG encode + write (hangar encoder, 1 thread) %.0f images/s (%.3f s); copying the PNG files into a new folder %.3f s.\n\n", val[w, "ceiling_png_encode_images"], val[w, "ceiling_png_encode_seconds"], val[w, "ceiling_files_write_seconds"]
    }
    if (val[w, "codec_zstd_x_png"] != "") {
      printf "Chunk codecs on the base images (one chunk per image, 1 thread; [decision 0005](../docs/decisions/0005-chunk-filter.md)): zstd level 3 %.3fx the PNG bytes, encode %.0f MB/s, decode+verify %.0f MB/s; zstd-delta %.3fx, %.0f MB/s, %.0f MB/s (%.0f%% of chunks filtered). One LMDB value per chunk (layout l0) would take %.3fx.\n\n", val[w, "codec_zstd_x_png"], val[w, "codec_zstd_encode"], val[w, "codec_zstd_decode"], val[w, "codec_zstd_delta_x_png"], val[w, "codec_zstd_delta_encode"], val[w, "codec_zstd_delta_decode"], val[w, "codec_zstd_delta_chunks_filtered"], val[w, "codec_zstd_delta_x_png_l0_pages"]
    }
    if (n[w] == 0) continue
    ceilings(w)
    print "| step | wall s | user s | sys s | peak MB | ceiling s | x ceiling | hangar-py s | x hangar-py | hangar-py MB | git-lfs s |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (j = 1; j <= n[w]; j++) {
      s = steps[w, j]
      py = (pw == "") ? "-" : peer(pw, s)
      pm = (pw == "" || !((pw SUBSEP s) in pymb)) ? "-" : pymb[pw SUBSEP s]
      lf = (pw == "" || !((pw SUBSEP s) in lfs)) ? "-" : lfs[pw SUBSEP s]
      c = ((w SUBSEP s) in ceil) ? sprintf("%.3f", ceil[w, s]) : "-"
      # GNU time resolves 10 ms: a step that shows 0.00 took less, so hangar-py was > py / 0.01 slower.
      xpy = (py != "-" && wall[w, s] + 0 == 0) ? sprintf("> %.0f", py / 0.01) : ratio(py, wall[w, s])
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, wall[w, s], usr[w, s], sys[w, s], rss[w, s], c, ratio(wall[w, s], c), py, xpy, pm, lf
    }
    if ((w SUBSEP "import") in ceil)
      print "\n\"ceiling s\": this machine doing the same work without hangar, measured in this run (import: PNG decode of the same files, 1 thread; read: zstd decompression of the bytes read; export png: hangar'"'"'s PNG encoder writing as many files, 1 thread; export npy: copying as many files + their bytes at disk speed; push/clone: the repository'"'"'s bytes at disk write+fsync speed). \"x ceiling\" = wall / ceiling (1 = as fast as the machine allows; import and export use 2 threads). Steps that read, export or summarize are the median of 3 runs; imports the median of 3 fresh runs each."
    if (val[w, "ceiling_png_decode_seconds"] != "") {
      d = val[w, "ceiling_png_decode_seconds"]
      printf "\nDerived: import --jobs 1 = %sx the decode-only time, --jobs 2 = %sx; --jobs 2 speed-up %sx.", ratio(wall[w, "import_jobs1"], d), ratio(wall[w, "import"], d), ratio(wall[w, "import_jobs1"], wall[w, "import"])
      printf " Read every sample in-process: %s MB/s (%s samples/s) = %s of memcpy, %s of zstd decompress.", f(val[w, "read_throughput"], 0), f(val[w, "read_rate"], 0), ratio(val[w, "read_throughput"] / 1000, val[w, "ceiling_memcpy"]), ratio(val[w, "read_throughput"], val[w, "ceiling_zstd_decompress"])
      printf " Repository after the merge: %.1f MB on disk vs %.1f MB of base PNG files (%s samples; %.1f MB of PNG for every sample it holds).\n", val[w, "disk_repo"] / 1e6, val[w, "png_bytes_base"] / 1e6, val[w, "count_after"], val[w, "png_bytes_all"] / 1e6
      py = peer(pw, "disk_repo")
      if (py != "-") printf "hangar-py: %s MB on disk for the same step.\n", py
    }
  }
  targets()
}

# The targets of the benchmark issue, each with the measured figure; a miss says by how much,
# and why (the reasons are measured in docs/decisions/0005-chunk-filter.md).
function verdict(ok, by) { return ok ? "met" : "**missed** by " by }
function pct(x) { return sprintf("%.0f%%", 100 * x) }
function targets(   w, k, d, j1, j2, r, s, worst, wstep, why) {
  print "\n## Targets\n"
  if (quick == 1)
    print "A smoke run (`--quick`: workload A at 1,000 images, whose fixed costs weigh 5x more); the targets apply to the full run.\n"
  print "| target | workload | measured | status |"
  print "|---|---|---|---|"
  for (k = 1; k <= nw; k++) {
    w = order[k]
    if (w !~ /^[ABC]$/ || val[w, "ceiling_png_decode_seconds"] == "") continue
    d = val[w, "ceiling_png_decode_seconds"]; j1 = wall[w, "import_jobs1"]; j2 = wall[w, "import"]
    if (j1 != "") {
      printf "| import --jobs 1 <= 1.25x decode-only | %s | %.2fx (%.2f s / %.3f s) | %s |\n", w, j1 / d, j1, d, verdict(j1 / d <= 1.25, pct(j1 / d / 1.25 - 1))
      if (j1 / d > 1.25) why["j1"] = 1
    }
    if (j2 != "") printf "| import --jobs 2 (default) <= 1.25x decode-only | %s | %.2fx | %s |\n", w, j2 / d, verdict(j2 / d <= 1.25, pct(j2 / d / 1.25 - 1))
    if (j1 != "" && j2 != "" && w != "A") {
      printf "| --jobs 2 >= 1.7x faster than --jobs 1 | %s | %.2fx | %s |\n", w, j1 / j2, verdict(j1 / j2 >= 1.7, sprintf("%.2fx", 1.7 - j1 / j2))
      if (j1 / j2 < 1.7) why["jobs"] = 1
    }
    if (w == "B" && val[w, "read_throughput"] != "") {
      r = val[w, "read_throughput"]
      printf "| read every sample >= 1 GB/s | B | %.0f MB/s | %s |\n", r, verdict(r >= 1000, pct(1 - r / 1000))
    }
    if (quick != 1 && w != "B" && wall[w, "read_all"] != "" && peer(w, "read_all") != "-") {
      r = peer(w, "read_all") / wall[w, "read_all"]
      printf "| read every sample >= 3x hangar-py | %s | %.1fx (%.2f s vs %.2f s) | %s |\n", w, r, wall[w, "read_all"], peer(w, "read_all"), verdict(r >= 3, sprintf("%.1fx", 3 - r))
    }
    worst = 0; wstep = ""
    for (s = 1; s <= n[w]; s++) if (rss[w, steps[w, s]] + 0 > worst) { worst = rss[w, steps[w, s]] + 0; wstep = steps[w, s] }
    printf "| peak RSS < 64 MB, every step | %s | %.1f MB (%s) | %s |\n", w, worst, wstep, verdict(worst < 64, sprintf("%.1f MB", worst - 64))
    if (w == "A" && val[w, "disk_repo"] != "" && val[w, "png_bytes_all"] != "") {
      r = val[w, "disk_repo"] / val[w, "png_bytes_all"]
      printf "| on disk after the merge <= PNG of the same samples | A | %.1f MB vs %.1f MB (%.3fx) | %s |\n", val[w, "disk_repo"] / 1e6, val[w, "png_bytes_all"] / 1e6, r, verdict(r <= 1, pct(r - 1))
      if (r > 1) why["disk"] = 1
    }
  }
  if (("A" SUBSEP "commit_base") in wall) {
    worst = 0; wstep = ""
    split("commit_base branch checkout_dev commit_changes checkout_main delete commit_deletes diff merge", quick_steps, " ")
    for (k in quick_steps) if ((("A" SUBSEP quick_steps[k]) in wall) && wall["A", quick_steps[k]] + 0 >= worst) { worst = wall["A", quick_steps[k]] + 0; wstep = quick_steps[k] }
    printf "| commit, branch, checkout, delete, diff, merge < 50 ms each (whole process) | A | %.0f ms (%s, slowest) | %s |\n", worst * 1000, wstep, verdict(worst < 0.05, sprintf("%.0f ms", worst * 1000 - 50))
  }
  # Scale: peak RSS of import and read as N grows (S workloads, tiny images).
  lo = ""; hi = ""
  for (k = 1; k <= nw; k++) if (order[k] ~ /^S[0-9]+$/) { if (lo == "") lo = order[k]; hi = order[k] }
  if (lo != "" && hi != lo) {
    split("import read_all summary", scale_steps, " ")
    for (k = 1; k <= 3; k++) {
      s = scale_steps[k]
      r = rss[hi, s] / rss[lo, s]
      printf "| peak RSS of %s flat in N | %s..%s | %.1f MB -> %.1f MB (%.2fx for %dx the samples) | %s |\n", s, substr(lo, 2), substr(hi, 2), rss[lo, s], rss[hi, s], r, substr(hi, 2) / substr(lo, 2), verdict(r <= 1.5 && rss[hi, s] < 64, sprintf("%.2fx", r))
      if (r > 1.5 || rss[hi, s] >= 64) why["scale"] = 1
    }
    if (val[lo, "read_rss_anon_mb"] != "" && val[hi, "read_rss_anon_mb"] != "") {
      r = val[hi, "read_rss_anon_mb"] / val[lo, "read_rss_anon_mb"]
      printf "| heap of read_all (anonymous RSS at its end) flat in N | %s..%s | %.1f MB -> %.1f MB (%.2fx; file-backed LMDB pages %.1f -> %.1f MB) | %s |\n", substr(lo, 2), substr(hi, 2), val[lo, "read_rss_anon_mb"], val[hi, "read_rss_anon_mb"], r, val[lo, "read_rss_file_mb"], val[hi, "read_rss_file_mb"], verdict(r <= 1.5, sprintf("%.2fx", r))
    }
  }
  if ("scale" in why)
    print "\n*Why peak RSS grows with N:* GNU time reports the resident set, which counts the pages of the LMDB files (page cache, shared, reclaimable) that the process has touched through its memory map, not only its heap. A full read looks up one descriptor and one chunk location per sample, keyed by digests spread over the whole meta and index files, and each page fault also maps the neighbouring pages already in the page cache (the kernel maps up to 64 KiB around a fault), free copy-on-write pages included, so a full read ends up mapping nearly all of both files (~0.4 KB per sample); its heap stays at ~1.5 MB. Releasing the pages while reading costs 3-43% of the read rate of small samples for little gain, so readers keep them. Import releases them at every commit and every 256 writes or index lookups; what still grows there is its file list (40 bytes a file, sorted before anything is written) and its undo log (~10 bytes a file); an import of 10^6 tiny files peaks at 131 MB. See docs/decisions/0006-resident-memory.md."
  if ("j1" in why)
    print "\n*Why --jobs 1 misses:* one worker decodes, delta-filters, hashes and zstd-compresses each file in turn; the Huffman coding of the residuals in zstd alone costs 25-45% of the PNG decode per image (its per-frame table set-up dominates on 3-12 KB images), more than the 25% budget. The smaller the image, the more the fixed costs per file weigh: on C (3 KB images, perf of `import --jobs 1`) zstd takes 17% of the CPU and the kernel 30% (opening and reading 20,000 files, hand-offs between the worker and the staging thread, LMDB writes), against 43% for the PNG decode itself. Compressing on the staging thread instead (overlapping compression with decode) was measured: --jobs 1 then lands at 1.0-1.25x, but on 2 cores --jobs 2 becomes only 1.1-1.25x faster than --jobs 1 and slower than now, so the default keeps the scaling design (docs/decisions/0005-chunk-filter.md)."
  if ("jobs" in why)
    print "\n*Why the --jobs 2 speed-up misses:* with 20,000 tiny files the serial part grows: listing and sorting the folder (~25 ms), the LMDB work of the staging thread (~0.1 s of CPU sharing the 2 cores with the workers) and the final index and meta commits; and other processes on a shared machine take cores."
  if ("disk" in why)
    printf "\n*Why the on-disk size misses:* the zstd-delta chunks are %.3fx the PNG bytes (bench_codec, base images); the location index and meta LMDB environments (their pages, free pages and lock files: ~2 MB for A, a larger share of a smaller repository) make up the rest. See docs/decisions/0005-chunk-filter.md.\n", val["A", "codec_zstd_delta_x_png"]
}' "$peers" "$tsv"

for extra in bench_history_scale bench_large_tensors; do
  f=$(dirname "$tsv")/$extra.txt
  [ -s "$f" ] || continue
  printf '\n## %s\n\n```\n' "$extra"
  cat "$f"
  printf '```\n'
done
