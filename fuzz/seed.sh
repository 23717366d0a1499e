#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, ignored by git) from the example project, so
# that the fuzzers start from real transcripts, journals, queries and koda's own REFI-QDA and
# Word exports instead of from nothing (a ZIP is all but impossible to find by mutation alone).
# Usage: bash fuzz/seed.sh   (builds koda in release first; besides fuzz/corpus it writes only a
# temporary copy of the example project, removed on exit)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release
koda=target/release/koda
corpus=fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r corpus-example/. "$work/project"
rm -rf "$work/project/.koda"
for t in import_text import_subtitles import_survey import_qdpx import_docx journal query; do
  mkdir -p "$corpus/$t"
done

cp corpus-example/transcripts/* "$corpus/import_text/"
cp corpus-example/journal/*.jsonl "$corpus/journal/"
"$koda" -p "$work/project" export qdpx --no-pseudonymise -o "$corpus/import_qdpx/example.qdpx" >/dev/null
"$koda" -p "$work/project" export qdc -o "$corpus/import_qdpx/example.qdc" >/dev/null
"$koda" -p "$work/project" export summary -o "$corpus/import_docx/summary.docx" >/dev/null
"$koda" -p "$work/project" export matrix -o "$corpus/import_survey/matrix.csv" >/dev/null

cat > "$corpus/import_subtitles/example.vtt" <<'VTT'
WEBVTT

00:00:01.000 --> 00:00:04.500
<v Intervjuer>Hvordan var den første tiden?

00:00:05.000 --> 00:00:09.250
<v Forelder>Vi ventet lenge. Men så ringte hun tilbake samme dag.
VTT
cat > "$corpus/import_subtitles/example.srt" <<'SRT'
1
00:00:01,000 --> 00:00:04,500
Koordinator: Jeg lover lite og holder alt.

2
00:00:05,000 --> 00:00:08,000
Forelder: Det er det som betyr noe.
SRT

i=0
for q in 'tillit' '"tett oppfølging"' 'koordinator~2 speaker:forelder' 'vent* AND NOT nav' \
  'code:trust/personal role:parent' '(tillit OR trust) -case:F01' 'wave:2 barnehage~1'; do
  printf '%s' "$q" > "$corpus/query/q$i"
  i=$((i + 1))
done

echo "seeded $(find "$corpus" -type f | wc -l | tr -d ' ') files under $corpus"
