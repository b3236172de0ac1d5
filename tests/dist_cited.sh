#!/bin/sh
# dist_cited.sh SRCDIR DISTDIR — run by `make dist` (dist-hook): every file of
# the source tree that README.md, BENCHMARKS.md, HACKING.md or docs/*.md cite in `code`
# is in the tarball, so the documentation of an unpacked tarball has no
# dangling references. Exits 1 naming the missing files.
set -u
src=$1
dist=$2
missing=
for doc in "$src/README.md" "$src/BENCHMARKS.md" "$src/HACKING.md" "$src"/docs/*.md; do
	[ -f "$doc" ] || continue
	# `path` tokens with a '/' or a file suffix, and markdown links/images
	for p in $( { grep -o '`[A-Za-z0-9_./-]*`' "$doc" | tr -d '`';
		      grep -o '](\([A-Za-z0-9_./-]*\))' "$doc" | sed 's/^](//; s/)$//'; } | sort -u); do
		case $p in
		*/* | *.md | *.json | *.sh | *.csv | *.png | *.c | *.h) ;;
		*) continue ;;
		esac
		p=${p#./}
		case $p in /* | build/* | build-*/* | results/* | out/*) continue ;; esac
		# only files of the source tree (not outputs such as results/...)
		[ -f "$src/$p" ] || continue
		[ -f "$dist/$p" ] || missing="$missing $p (cited in $(basename "$doc"))"
	done
done
if [ -n "$missing" ]; then
	echo "dist: files cited by the documentation but not in the tarball:$missing" >&2
	echo "      add them to EXTRA_DIST in Makefile.am" >&2
	exit 1
fi
exit 0
