"""The Facebook leg: FLV over RTMP(S), the still card looped without re-encoding (4.2)."""

from __future__ import annotations

from pathlib import Path

from broadcaster.outputs.leg import FfmpegLeg, Segment


class RtmpLeg(FfmpegLeg):
    """Audio as AAC-LC 48 kHz 128k beside the card's 2-s H.264 GOP looped with `-c:v copy`."""

    kind = "rtmp"
    start_latency_s = 0.04  # the AAC encoder and the FLV header start on the first audio

    def __init__(
        self,
        name: str,
        source: str,
        *,
        url: str,
        card_loop: Path,
        live: bool = False,
        relay: bool = False,
        input_format: tuple[str, ...] = (),
    ):
        super().__init__(name, source, live=live, relay=relay, input_format=input_format)
        if not url.startswith(("rtmp://", "rtmps://")):
            raise ValueError("facebook: the stream URL must be rtmp:// or rtmps://")
        self.url = url
        self.card_loop = card_loop

    def secrets(self) -> tuple[str, ...]:
        # The stream key is the last part of the URL: as good as a password.
        key = self.url.rstrip("/").rsplit("/", 1)[-1]
        return (key,) if key else ()

    def extra_inputs(self) -> list[str]:
        # Read no faster than real time; before the audio is released nothing is read at
        # all (ffmpeg waits for the stream that is behind), so the picture starts with it.
        return ["-re", "-thread_queue_size", "64", "-stream_loop", "-1", "-i", str(self.card_loop)]

    def output_args(self, segment: Segment) -> list[str]:
        # ffmpeg's `fast` AAC coder (about half the CPU of its default `twoloop` on speech)
        # without its mid/side stereo search (half of what is left): the two channels are
        # coded apart at 64 kb/s each, ample for speech on Facebook's ingest, which
        # re-encodes what viewers hear anyway. Measured for B2 (bench/RESULTS.md).
        return [
            "-map", "1:v:0", "-map", "0:a:0", "-c:v", "copy",
            "-c:a", "aac", "-aac_coder", "fast", "-aac_ms", "0",
            "-b:a", "128k", "-ar", "48000", "-ac", "2",
            "-shortest", "-flvflags", "no_duration_filesize", "-f", "flv", self.url,
        ]  # fmt: skip
