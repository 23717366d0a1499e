#!/usr/bin/env bash
# Rebuilds the example project in this folder from transcripts/ with the koda CLI:
# import with cases and attributes, the codebook, codings by two coders, and memos.
#   bash corpus-example/build.sh          (uses `cargo run`; or set KODA=/path/to/koda)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ -z "${KODA:-}" ]; then
  cargo build -q --manifest-path "$here/../Cargo.toml"
  KODA="$here/../target/debug/koda"
fi
k() { "$KODA" -p "$here" "$@" >/dev/null; }

rm -rf koda.json codebook.json cases.json sources journal .koda .gitignore
"$KODA" init "$here" --name "Familiekoordinator-evalueringen (eksempel)" --lang no --lang en --coder anna >/dev/null

t=transcripts
k import $t/foreldreintervju-01-bolge1.txt --title "Foreldreintervju 1, bølge 1" --type interview --case F01 --attr role=parent --attr site=Kristiansand --meta wave=1 --meta date=2025-03-14
k import $t/foreldreintervju-02-bolge1.txt --title "Foreldreintervju 2, bølge 1" --type interview --case F02 --attr role=parent --attr site=Kristiansand --meta wave=1 --meta date=2025-03-20
k import $t/foreldreintervju-01-bolge2.txt --title "Foreldreintervju 1, bølge 2" --type interview --case F01 --meta wave=2 --meta date=2026-03-10
k import $t/parent-interview-03-wave2.txt --title "Parent interview 3, wave 2" --type interview --case F03 --attr role=parent --attr site=Oslo --attr language=en --meta wave=2 --meta date=2026-02-02
k import $t/koordinatorintervju-01.txt --title "Koordinatorintervju 1" --type interview --case K01 --attr role=coordinator --attr site=Kristiansand --meta wave=1
k import $t/coordinator-interview-02.txt --title "Coordinator interview 2" --type interview --case K02 --attr role=coordinator --attr site=Oslo --attr language=en --meta wave=1
k import $t/fokusgruppe-koordinatorer.txt --title "Fokusgruppe koordinatorer, bølge 2" --type focus-group --case FG1 --attr role=coordinator --attr site=several --meta wave=2
k import $t/feltnotat-samarbeidsmote.txt --title "Feltnotat samarbeidsmøte, bølge 1" --type field-note --meta wave=1
k import $t/fieldnotes-network-meeting.txt --title "Field notes network meeting, wave 2" --type field-note --meta wave=2

k codes add trust -d "Tillit: whether participants rely on people and services to do what they say." --color blue
k codes add trust/institutional -d "Trust or distrust in services and the system (NAV, school, child welfare, the municipality)."
k codes add trust/personal -d "Trust in the coordinator as a person: reliability, being there, keeping promises."
k codes add trust/broken -d "Trust lost or damaged: broken promises, disappointments, and how it was rebuilt."
k codes add timing --color orange -d "When things happen: waiting, help at the right or wrong moment, continuity over time."
k codes add timing/waiting -d "Waiting times and queues in services, and what waiting does to families."
k codes add timing/right-moment -d "Help that came at the right time, or too late."
k codes add timing/continuity -d "Continuity of people over time: changes of coordinator or caseworker, handovers, endings."
k codes add roles --color green -d "Who does what: the coordinator's role, the family's own part, and the partners'."
k codes add roles/coordinator -d "What the coordinator is and does: navigator, bridge builder, the one who holds the threads."
k codes add roles/family -d "The family's own agency: deciding, doing things themselves, speaking up."
k codes add roles/partners -d "Partner services (NAV, schools, health station, kindergarten) and how they work with the coordinator."

f1=foreldreintervju-1-bolge-1; f2=foreldreintervju-2-bolge-1; f1b=foreldreintervju-1-bolge-2
p3=parent-interview-3-wave-2; k1=koordinatorintervju-1; k2=coordinator-interview-2
fg=fokusgruppe-koordinatorer-bolge-2; n1=feltnotat-samarbeidsmote-bolge-1; n2=field-notes-network-meeting-wave-2

c() { local doc="$1" code="$2"; shift 2; k code "$doc" --code "$code" "$@"; }
c $f1 trust/institutional --match "Jeg har sluttet å tro på at systemet er laget for sånne som oss."
c $f1 timing/waiting --match "Du sender papirer, og så hører du ikke noe på seks uker."
c $f1 trust/personal --match "Jeg visste at hun ville ringe tilbake samme dag hvis jeg la igjen en beskjed." --memo "Key quote for the trust chapter."
c $f1 roles/coordinator --match "Nå er det liksom hun som holder trådene, og jeg kan være mamma igjen."
c $f1 timing/right-moment --match "Hjelpen kom for sent for akkurat det."
c $f1 timing/waiting --match "Tre måneder. Da var vi allerede flyttet."
c $f1 roles/partners --turn 13
c $f1 timing/continuity --match "At de ikke må bytte koordinator hele tiden."
c $f2 trust/institutional --match "det var første gang noen i kommunen hadde spurt henne hva hun ville"
c $f2 roles/coordinator --match "Koordinatoren tegnet et kart på et ark"
c $f2 timing/waiting --match "Vi har ventet siden i fjor høst."
c $f2 timing/waiting --match "Man blir sliten. Man ringer og ringer, og alle sier at det er kø."
c $f2 trust/personal --match "Hun har aldri lovet noe hun ikke kunne holde."
c $f2 trust/institutional --match "Det er systemet rundt jeg ikke stoler på."
c $f2 roles/family --match "Hun åpner dørene, og så går jeg gjennom dem selv."
c $f1b roles/family --match "Det hadde jeg aldri turt uten at noen var med meg på det første møtet."
c $f1b timing/continuity --match "I den tiden falt ting litt mellom stolene."
c $f1b timing/continuity --match "å måtte fortelle alt en gang til, til en ny person"
c $f1b trust/personal --match "Tillit tar tid, men den kommer når de gjør det de sier."
c $f1b roles/partners --match "jeg får én plan i stedet for fire"
c $f1b timing/continuity --match "Jeg skulle ønske det var en gradvis avslutning"
c $p3 trust/institutional --match "I used to think the child welfare service would take my children if I asked for help."
c $p3 timing/continuity --match "They changed my caseworker three times in one year."
c $p3 roles/coordinator --match "she became the memory of our case"
c $p3 timing/right-moment --match "If that had waited a month, we would have lost the flat."
c $p3 roles/family --match "Now I bring my questions written down, and I ask them."
c $p3 timing/continuity --match "Families like us need someone for a long time, not six months."
c $k1 roles/coordinator --match "Jeg er en slags los."
c $k1 trust/personal --match "Så jeg lover lite og holder alt."
c $k1 trust/broken --match "De har blitt lovet ting som ikke skjedde."
c $k1 roles/partners --match "Det er personavhengig."
c $k1 roles/coordinator --match "Jeg kan ikke bestemme noe i NAV eller i barnevernet."
c $k1 timing/continuity --match "familiene er ikke ferdige når rammen er ferdig"
c $k2 trust/institutional --match "Many expect me to be another controller."
c $k2 trust/personal --match "Fixing a kindergarten place within a week did more for trust than ten conversations."
c $k2 roles/coordinator --match "I am somewhere in between, and I have to be honest about that with both."
c $k2 timing/waiting --match "Waiting is the biggest enemy."
c $k2 roles/partners --match "A written agreement with NAV and the schools about response times."
c $fg timing/right-moment --match "Det handler om å lese når det er riktig tidspunkt å trekke seg tilbake."
c $fg roles/family --turn 7
c $fg trust/broken --match "Da jeg ikke klarte det, mistet de tilliten til meg for en stund."
c $fg trust/broken --turn 11 --memo "Rebuilding trust by showing up: compare with K01."
c $fg timing/continuity --match "hver gang en koordinator slutter, mister vi noen familier"
c $fg roles/partners --match "Før kunne en søknad ligge i åtte uker, nå er det ofte to."
c $fg roles/coordinator --match "Brobygger."
c $n1 timing/waiting --match "I alle tre var ventetid det første temaet som ble tatt opp."
c $n1 roles/partners --turn 4
c $n2 timing/right-moment --match "an emergency grant approved within two days"
c $n2 timing/continuity --turn 5
c $n2 roles/coordinator --match "coordinators hold the thread, while the family holds the decisions"

# A second coder codes three of the same passages, for comparison.
k --coder bo code $f1 --code trust/personal --match "Jeg visste at hun ville ringe tilbake samme dag"
k --coder bo code $f2 --code trust/personal --match "Hun har aldri lovet noe hun ikke kunne holde. Det er systemet rundt jeg ikke stoler på."
k --coder bo code $k2 --code timing/waiting --turn 13

k memo add "Trust seems to attach to persons first and to institutions later, if at all." --code trust
k memo add "Turnover of coordinators appears in every data source; candidate for a main finding." --code timing/continuity
k memo add "Wave 1 and wave 2 of the same family: compare trust in the new coordinator." --doc $f1b
k memo add "Working hypothesis: the coordinator role works as a bridge only where partners have fixed meeting routines."
echo "example project rebuilt in $here"
