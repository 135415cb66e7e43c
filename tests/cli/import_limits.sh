# Import edges. A file whose header declares more decoded bytes than the per-file
# limit (--max-sample-bytes, default 1 GiB) is refused before it is decoded, naming the file
# and the limit: a 107-byte PNG declaring 16000x16000 used to cost 768 MB and seconds of
# inflate. Folder entries that are not regular files (FIFOs, dangling symbolic links, symbolic
# link loops) are skipped with one warning line each and counted, where a link loop used to
# abort the whole import with the raw system message and the others went unmentioned.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh" "$1"

ok init r --user-name t --user-email t@example.org
cd r

# Crafted headers, made with zlib + Pillow and then cut down (valid chunks and CRCs, almost no
# pixel data): PNG 16000x16000 RGB (768,000,000 bytes), PNG 20000x20000 RGBA (1.6 GB) and a
# JPEG whose SOF0 says 40000x40000 RGB (4.8 GB).
PNG_16K='iVBORw0KGgoAAAANSUhEUgAAPoAAAD6ACAIAAADOHEiJAAAADElEQVR4nGNgoAwAAABAAAG3NHzvAAAAAElFTkSuQmCC'
PNG_20K='iVBORw0KGgoAAAANSUhEUgAATiAAAE4gCAYAAADjcEY5AAAADElEQVR4nGNgoAwAAABAAAG3NHzvAAAAAElFTkSuQmCC'
JPEG_40K='/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCJxAnEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCpRRRX85H8Tn//2Q=='
mkdir big16 big20 bigjpg bignpy small
base64 -d <<<"$PNG_16K" >big16/huge.png
base64 -d <<<"$PNG_20K" >big20/huge.png
base64 -d <<<"$JPEG_40K" >bigjpg/huge.jpg
# An .npy whose header claims (100000, 100000) uint8 (10 GB) and has no data at all.
make_npy bignpy/huge.npy '|u1' '100000,100000' ''
make_png4 small/a.png
make_png4 small/b.png
snapshot before

limit() { echo "more than the per-file limit of $1 bytes; raise it with --max-sample-bytes"; }
# Over the default limit (1 GiB): refused by the header alone, naming file, size and limit.
fails 3 "cannot import '.*big20/huge.png': it declares uint8 \[20000,20000,4\], 1600000000 bytes decoded, $(limit 1073741824)" \
  import img big20
fails 3 "cannot import '.*bigjpg/huge.jpg': it declares uint8 \[40000,40000,3\], 4800000000 bytes decoded, $(limit 1073741824)" \
  import img bigjpg
fails 3 "cannot import '.*bignpy/huge.npy': it declares uint8 \[100000,100000\], 10000000000 bytes decoded, $(limit 1073741824)" \
  import img bignpy
# Under the default but over a lower limit given on the command line.
fails 3 "'.*big16/huge.png': it declares uint8 \[16000,16000,3\], 768000000 bytes decoded, $(limit 104857600)" \
  import img big16 --max-sample-bytes 100M
# A genuine small file over a tiny limit.
fails 3 "'.*small/a.png': it declares uint8 \[4,4,3\], 48 bytes decoded, $(limit 40)" \
  import img small --max-sample-bytes 40
unchanged before
fails 2 "invalid size .lots." import img small --max-sample-bytes lots
ok import img small --max-sample-bytes 48
ok reset

# Folder entries that are not regular files: skipped, one warning each, counted; the rest
# imports. A link loop without an image extension is skipped the same way.
mkdir odd
make_png4 odd/good.png
mkfifo odd/pipe.png
ln -s nowhere.png odd/dangling.png
ln -s loop.png odd/loop.png
ln -s self odd/self
run import img odd --json
[[ $RC -eq 0 ]] || die "import with odd entries exited $RC"
jcheck '.files == 1 and .skipped == 4' "one file staged, four entries skipped"
[[ $(wc -l <"$ERR") -eq 4 ]] || die "expected one warning line per skipped entry"
grep -qx "hangar: warning: skipped '.*odd/pipe.png': a FIFO, not a regular file" "$ERR" || die "fifo"
grep -qx "hangar: warning: skipped '.*odd/dangling.png': a dangling symbolic link" "$ERR" ||
  die "dangling link"
grep -qx "hangar: warning: skipped '.*odd/loop.png': a symbolic link loop" "$ERR" || die "loop"
grep -qx "hangar: warning: skipped '.*odd/self': a symbolic link loop" "$ERR" || die "loop 2"
ok reset
run import img odd --recursive
[[ $RC -eq 0 ]] || die "recursive import with odd entries exited $RC"
grep -Eqx "staged 1 file into img \(48 B decoded, [0-9]+ new chunks\)" "$OUT" || die "report"
grep -qx "skipped 4 entries that are not a regular file or folder (see the warnings)" "$OUT" ||
  die "the report counts the skipped entries"
