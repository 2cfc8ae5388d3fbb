#!/usr/bin/env bash
# Makes the station's own sounds: intro and outro (a chime and the station name), a spoken
# standby announcement, and audio/standby.mp3 (a calm 10-second tone that loops seamlessly,
# played when a live feed drops). Needs espeak-ng, sox and ffmpeg. Re-run to remake them.
# All are mono MP3, 48 kHz, 48 kbit/s, a few seconds long; intro and outro are set in
# broadcaster.toml ([station] intro = "audio/station/intro.mp3"), off by default.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# A two-note chime: soft bell partials with an exponential decay.
chime() {  # out, first note Hz, second note Hz
  ffmpeg -loglevel error -y -f lavfi -i \
    "aevalsrc='0.3*(sin(2*PI*$2*t)+0.3*sin(2*PI*2*$2*t))*exp(-3*t)+0.3*gte(t,0.35)*(sin(2*PI*$3*t)+0.3*sin(2*PI*2*$3*t))*exp(-3*(t-0.35))':s=48000:d=1.6" \
    -ac 1 "$1"
}
speak() {  # out, text
  espeak-ng -v en -s 140 -p 45 -w "$1.raw.wav" "$2"
  sox -q "$1.raw.wav" -r 48000 -c 1 "$1" highpass 80 gain -n -3
}
finish() {  # in, out: peaks at -3 dBFS (prepare brings intro and outro to the target)
  sox -q "$1" -r 48000 -c 1 "$1.norm.wav" gain -n -3
  ffmpeg -loglevel error -y -i "$1.norm.wav" -c:a libmp3lame -b:a 48k -ar 48000 \
    -map_metadata -1 "$2"
}

chime up.wav 659.3 880
chime down.wav 880 659.3
speak name.wav "Sarika F M."
speak thanks.wav "You have been listening to Sarika F M. Thank you."
speak standby.wav "Sarika F M. Please stay with us. The programme will continue shortly."

sox -q up.wav name.wav intro.wav pad 0 0.3
sox -q thanks.wav down.wav outro.wav
finish intro.wav "$here/intro.mp3"
finish outro.wav "$here/outro.mp3"
finish standby.wav "$here/standby.mp3"

# The standby loop: a quiet major chord breathing slowly. Every partial and the 0.2 Hz swell
# complete whole cycles in 10 s, so the loop has no seam.
ffmpeg -loglevel error -y -f lavfi -i \
  "aevalsrc='0.1*(sin(2*PI*220*t)+0.8*sin(2*PI*277.2*t)+0.6*sin(2*PI*329.6*t)+0.2*sin(2*PI*440*t))*(0.75+0.25*sin(2*PI*0.2*t))':s=48000:d=10" \
  -ac 1 -c:a libmp3lame -b:a 48k -ar 48000 -map_metadata -1 "$here/../standby.mp3"

ls -l "$here"/*.mp3 "$here/../standby.mp3"
