#!/usr/bin/env bash
# Makes the demo episodes of the dialogue series from the 2021 summary's themes.
# Needs espeak-ng, sox and ffmpeg. Re-run to remake audio/episodes/*.mp3 (mono, 48 kbit/s).
set -euo pipefail
cd "$(dirname "$0")/episodes"
speak() {  # key, voice, text
  local key=$1 voice=$2 text=$3
  espeak-ng -v "$voice" -s 150 -w "$key.raw.wav" "$text"
  # half a second of room tone before and after, as a real recording has
  sox -q "$key.raw.wav" -r 44100 -c 1 "$key.wav" pad 0.5 0.8 gain -n -3
  ffmpeg -loglevel error -y -i "$key.wav" -ac 1 -b:a 48k -id3v2_version 3 \
    -metadata title="$key" "$key.mp3"
  rm -f "$key.raw.wav" "$key.wav"
}
speak a2i-01 en "Sarika F M. Civil society dialogue, part one: progress on the rights to information \
and partnership. The government expressed commitment to multi-stakeholder dialogue at all levels, \
and three partnership arrangements now bring ministries, development partners and civil society \
to the same table, nationally and in the provinces."
speak a2i-02 en "Part two: challenges to implementing access to information and partnership. \
The law on access to information has not yet been adopted. Organisations working on rights and \
advocacy often cannot get permission for activities in communities, and public engagement in \
budgets remains limited."
speak a2i-03 en "Part three: suggestions and recommendations. Everyone shall have the right to \
express their concerns and opinions freely. The access to information law should be promulgated, \
and a mechanism should accept inputs from civil society and give feedback in an equal manner."
speak a2i-04 en "Sub-national partnership dialogue. The commune and Sangkat budgets have grown, \
and services reach more citizens. Trust between civil society and sub-national government is \
essential for transparent and accountable budgets."
speak a2i-05 en "Access to information and partnership for inclusive societies. Listeners in \
fifteen provinces, and followers on Facebook, join the conversation. Call the station to share \
your view; your number is never kept."
