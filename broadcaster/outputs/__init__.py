"""Legs: one supervised ffmpeg process per destination (Icecast, RTMP, aircheck file)."""

from broadcaster.outputs.aircheck import AircheckLeg
from broadcaster.outputs.causes import classify, is_permanent, mask
from broadcaster.outputs.icecast import IcecastLeg, set_title
from broadcaster.outputs.leg import FfmpegLeg, Health, Output, Segment
from broadcaster.outputs.rtmp import RtmpLeg

__all__ = [
    "AircheckLeg",
    "FfmpegLeg",
    "Health",
    "IcecastLeg",
    "Output",
    "RtmpLeg",
    "Segment",
    "classify",
    "is_permanent",
    "mask",
    "set_title",
]
