"""Outputs: the radio transmitter on the Icecast mount, and legs (one supervised ffmpeg each)
for RTMP and aircheck files."""

from broadcaster.outputs.aircheck import AircheckLeg
from broadcaster.outputs.causes import classify, is_permanent, mask
from broadcaster.outputs.icecast import set_title
from broadcaster.outputs.leg import FfmpegLeg, Health, Output, Segment
from broadcaster.outputs.rtmp import RtmpLeg

__all__ = [
    "AircheckLeg",
    "FfmpegLeg",
    "Health",
    "Output",
    "RtmpLeg",
    "Segment",
    "classify",
    "is_permanent",
    "mask",
    "set_title",
]
