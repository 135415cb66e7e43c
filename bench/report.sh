#!/usr/bin/env bash
# bench/report.sh RESULTS_TSV PEERS_TSV QUICK: turns bench/run.sh's TSV into bench/RESULTS.md.
set -euo pipefail
tsv=$1
peers=$2
quick=$3

cat <<EOF
# Benchmark results

Produced by \`bench/run.sh$([ "$quick" = 1 ] && echo " --quick")\` on $(date -u +%Y-%m-%d) ($(nproc) cores,
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
function peer(w, s) { p = (w SUBSEP s); return (p in pys) ? pys[p] : "-" }
function ratio(a, b) { return (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function f(x, d) { return x == "" ? "-" : sprintf("%." d "f", x) }
END {
  for (i = 1; i <= nw; i++) {
    w = order[i]
    pw = (w ~ /^S/) ? "" : substr(w, 1, 1)
    printf "\n## %s\n\n", (w ~ /^S/) ? "Scale: " substr(w, 2) " tiny 16x16 images" : "Workload " w
    if (val[w, "ceiling_memcpy"] != "") {
      printf "Ceilings: memcpy %.1f GB/s; PNG decode (hangar decoder, 1 thread) %.0f images/s = %.0f MB/s (%.3f s for the base folder);\n", val[w, "ceiling_memcpy"], val[w, "ceiling_png_decode_images"], val[w, "ceiling_png_decode"], val[w, "ceiling_png_decode_seconds"]
      printf "zstd level 3 per sample: compress %.0f MB/s, decompress %.0f MB/s, ratio %.2fx; disk write+fsync %.0f MB/s.\n\n", val[w, "ceiling_zstd_compress"], val[w, "ceiling_zstd_decompress"], val[w, "ceiling_zstd_ratio"], val[w, "ceiling_disk_write_fsync"]
    }
    print "| step | wall s | user s | sys s | peak MB | hangar-py s | x hangar-py | hangar-py MB | git-lfs s |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (j = 1; j <= n[w]; j++) {
      s = steps[w, j]
      py = (pw == "") ? "-" : peer(pw, s)
      pm = (pw == "" || !((pw SUBSEP s) in pymb)) ? "-" : pymb[pw SUBSEP s]
      lf = (pw == "" || !((pw SUBSEP s) in lfs)) ? "-" : lfs[pw SUBSEP s]
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, wall[w, s], usr[w, s], sys[w, s], rss[w, s], py, ratio(py, wall[w, s]), pm, lf
    }
    if (val[w, "ceiling_png_decode_seconds"] != "") {
      d = val[w, "ceiling_png_decode_seconds"]
      printf "\nDerived: import --jobs 1 = %sx the decode-only time, --jobs 2 = %sx; --jobs 2 speed-up %sx.", ratio(wall[w, "import_jobs1"], d), ratio(wall[w, "import"], d), ratio(wall[w, "import_jobs1"], wall[w, "import"])
      printf " Read every sample in-process: %s MB/s (%s samples/s) = %s of memcpy, %s of zstd decompress.", f(val[w, "read_throughput"], 0), f(val[w, "read_rate"], 0), ratio(val[w, "read_throughput"] / 1000, val[w, "ceiling_memcpy"]), ratio(val[w, "read_throughput"], val[w, "ceiling_zstd_decompress"])
      printf " Repository after the merge: %.1f MB on disk vs %.1f MB of base PNG files (%s samples).\n", val[w, "disk_repo"] / 1e6, val[w, "png_bytes_base"] / 1e6, val[w, "count_after"]
      py = peer(pw, "disk_repo")
      if (py != "-") printf "hangar-py: %s MB on disk for the same step.\n", py
    }
  }
}' "$peers" "$tsv"

for extra in bench_history_scale bench_large_tensors; do
  f=$(dirname "$tsv")/$extra.txt
  [ -s "$f" ] || continue
  printf '\n## %s\n\n```\n' "$extra"
  cat "$f"
  printf '```\n'
done
