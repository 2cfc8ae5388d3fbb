"""The 15 provinces whose relays carry Sarika FM by default (overridable in the config)."""

from __future__ import annotations

DEFAULT_PROVINCES: list[dict[str, str]] = [
    {"code": "PNH", "name": "Phnom Penh", "name_km": "ភ្នំពេញ"},
    {"code": "KDL", "name": "Kandal", "name_km": "កណ្ដាល"},
    {"code": "TKO", "name": "Takeo", "name_km": "តាកែវ"},
    {"code": "KSP", "name": "Kampong Speu", "name_km": "កំពង់ស្ពឺ"},
    {"code": "KCM", "name": "Kampong Cham", "name_km": "កំពង់ចាម"},
    {"code": "TBK", "name": "Tbong Khmum", "name_km": "ត្បូងឃ្មុំ"},
    {"code": "PVG", "name": "Prey Veng", "name_km": "ព្រៃវែង"},
    {"code": "SVR", "name": "Svay Rieng", "name_km": "ស្វាយរៀង"},
    {"code": "KCH", "name": "Kampong Chhnang", "name_km": "កំពង់ឆ្នាំង"},
    {"code": "PST", "name": "Pursat", "name_km": "ពោធិ៍សាត់"},
    {"code": "BTB", "name": "Battambang", "name_km": "បាត់ដំបង"},
    {"code": "SRP", "name": "Siem Reap", "name_km": "សៀមរាប"},
    {"code": "KPT", "name": "Kampot", "name_km": "កំពត"},
    {"code": "KTM", "name": "Kampong Thom", "name_km": "កំពង់ធំ"},
    {"code": "BMC", "name": "Banteay Meanchey", "name_km": "បន្ទាយមានជ័យ"},
]
