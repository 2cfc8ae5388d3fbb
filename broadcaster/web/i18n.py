"""The pages' own words in English and Khmer, and which language a visitor reads.

The language is the `bc_lang` cookie the switch in the header sets (`/lang/km`); without
it, English. Titles, names and messages from the station's data are shown as stored.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LANG_COOKIE = "bc_lang"
LANGUAGES = {"en": "English", "km": "ខ្មែរ"}

WORDS: dict[str, tuple[str, str]] = {
    "sign_in": ("Sign in", "ចូល"),
    "sign_out": ("Sign out", "ចាកចេញ"),
    "token": ("Token", "លេខសម្ងាត់"),
    "token_help": (
        "The token is the one `broadcaster user add` printed.",
        "លេខសម្ងាត់ដែល `broadcaster user add` បានបោះពុម្ព។",
    ),
    "form_expired": ("The form expired; try again.", "ទម្រង់ផុតកំណត់ សូមព្យាយាមម្ដងទៀត។"),
    "bad_token": ("That token is not valid.", "លេខសម្ងាត់នោះមិនត្រឹមត្រូវទេ។"),
    "signed_in_as": ("Signed in as", "បានចូលជា"),
    "operator": ("operator", "ប្រតិបត្តិករ"),
    "organiser": ("organiser", "អ្នករៀបចំ"),
    "language": ("Language", "ភាសា"),
    "nav": ("Pages", "ទំព័រ"),
    "week": ("Week", "សប្ដាហ៍"),
    "episodes": ("Episodes", "វគ្គ"),
    "on_air": ("On air", "កំពុងផ្សាយ"),
    "log": ("Airtime log", "កំណត់ហេតុផ្សាយ"),
    "provinces": ("Provinces", "ខេត្ត"),
    "week_title": ("Schedule for the week", "កាលវិភាគប្រចាំសប្ដាហ៍"),
    "previous_week": ("Previous week", "សប្ដាហ៍មុន"),
    "next_week": ("Next week", "សប្ដាហ៍ក្រោយ"),
    "this_week": ("This week", "សប្ដាហ៍នេះ"),
    "add_slot": ("Book a slot", "កក់ពេលផ្សាយ"),
    "episode": ("Episode", "វគ្គ"),
    "start": ("Start", "ចាប់ផ្ដើម"),
    "end": ("End", "បញ្ចប់"),
    "start_help": ("YYYY-MM-DD HH:MM, station time", "YYYY-MM-DD HH:MM ម៉ោងស្ថានីយ"),
    "destinations": ("Destinations", "គោលដៅ"),
    "radio": ("radio", "វិទ្យុ"),
    "facebook": ("facebook", "ហ្វេសប៊ុក"),
    "repeat": ("Repeat (RRULE, optional)", "ធ្វើឡើងវិញ (RRULE ស្រេចចិត្ត)"),
    "book": ("Book", "កក់"),
    "move": ("Move", "ផ្លាស់ទី"),
    "move_to": ("Move to", "ផ្លាស់ទីទៅ"),
    "cancel_slot": ("Cancel slot", "លុបចោលពេលផ្សាយ"),
    "change": ("Change", "កែប្រែ"),
    "nothing_booked": ("Nothing booked.", "គ្មានការកក់។"),
    "booked": ("Booked", "បានកក់"),
    "moved": ("Moved", "បានផ្លាស់ទី"),
    "cancelled": ("Cancelled", "បានលុបចោល"),
    "library": ("Episode library", "បណ្ណាល័យវគ្គ"),
    "upload": ("Upload an episode", "ផ្ទុកវគ្គឡើង"),
    "file": ("Recording", "ឯកសារសំឡេង"),
    "title": ("Title", "ចំណងជើង"),
    "series": ("Series", "ស៊េរី"),
    "partners": ("Partners (comma-separated)", "ដៃគូ (បំបែកដោយក្បៀស)"),
    "partner": ("Partner", "ដៃគូ"),
    "description": ("Description", "ការពិពណ៌នា"),
    "send": ("Upload", "ផ្ទុកឡើង"),
    "duration": ("Duration", "រយៈពេល"),
    "loudness": ("Loudness", "កម្រិតសំឡេង"),
    "true_peak": ("True peak", "កំពូលពិត"),
    "card": ("Title card", "កាតចំណងជើង"),
    "no_episodes": ("No episodes yet.", "មិនទាន់មានវគ្គទេ។"),
    "needs_js": (
        "Uploading shows its progress with JavaScript; without it, use the API.",
        "ការផ្ទុកឡើងត្រូវការ JavaScript ដើម្បីបង្ហាញដំណើរការ។",
    ),
    "on_air_title": ("On air now", "កំពុងផ្សាយឥឡូវនេះ"),
    "nothing_on_air": ("Nothing on air.", "គ្មានអ្វីកំពុងផ្សាយទេ។"),
    "leg": ("Leg", "ផ្លូវ"),
    "state": ("State", "ស្ថានភាព"),
    "elapsed": ("Elapsed", "បានកន្លង"),
    "remaining": ("Remaining", "នៅសល់"),
    "last_gap": ("Last gap", "ចន្លោះចុងក្រោយ"),
    "none": ("none", "គ្មាន"),
    "next_slot": ("Next", "បន្ទាប់"),
    "relays": ("Province relays", "ស្ថានីយបញ្ជូនបន្តតាមខេត្ត"),
    "relay": ("Relay", "ស្ថានីយបញ្ជូនបន្ត"),
    "configured": ("configured", "បានកំណត់"),
    "not_configured": ("not configured", "មិនបានកំណត់"),
    "callins": ("Call-ins", "ការហៅចូល"),
    "callin_queue": ("Call-in queue", "ជួរការហៅចូល"),
    "no_callins": ("No calls waiting.", "គ្មានការហៅរង់ចាំទេ។"),
    "received": ("Received", "បានទទួល"),
    "topic": ("Topic", "ប្រធានបទ"),
    "province": ("Province", "ខេត្ត"),
    "to_waiting": ("Back to waiting", "ត្រឡប់ទៅរង់ចាំ"),
    "put_on_air": ("On air", "ដាក់ផ្សាយ"),
    "done": ("Done", "រួចរាល់"),
    "drop": ("Drop", "បោះបង់"),
    "updated": ("Updated", "បានធ្វើបច្ចុប្បន្នភាព"),
    "log_title": ("As-run and airtime log", "កំណត់ហេតុការផ្សាយ"),
    "filters": ("Filters", "តម្រង"),
    "from": ("From", "ពី"),
    "to": ("To", "ដល់"),
    "destination": ("Destination", "គោលដៅ"),
    "status": ("Status", "ស្ថានភាព"),
    "any": ("any", "ទាំងអស់"),
    "apply": ("Show", "បង្ហាញ"),
    "download_csv": ("Download CSV", "ទាញយក CSV"),
    "download_report": ("Airtime report (CSV)", "របាយការណ៍ពេលផ្សាយ (CSV)"),
    "report_by_partner": ("Airtime per partner (CSV)", "ពេលផ្សាយតាមដៃគូ (CSV)"),
    "report_by_episode": ("Airtime per episode (CSV)", "ពេលផ្សាយតាមវគ្គ (CSV)"),
    "download_callins": ("Call-in report (CSV)", "របាយការណ៍ការហៅចូល (CSV)"),
    "calendar": ("Schedule (ICS calendar)", "កាលវិភាគ (ប្រតិទិន ICS)"),
    "rows_found": ("legs found", "ជួរ"),
    "page": ("Page", "ទំព័រ"),
    "newer": ("Earlier page", "ទំព័រមុន"),
    "older": ("Next page", "ទំព័របន្ទាប់"),
    "scheduled": ("scheduled", "តាមកាលវិភាគ"),
    "actual_start": ("Went out", "ចាប់ផ្ដើមពិត"),
    "actual_end": ("Ended", "បញ្ចប់ពិត"),
    "gaps": ("Gaps", "ចន្លោះ"),
    "cause": ("Cause", "មូលហេតុ"),
    "nothing_logged": ("Nothing in the log for these filters.", "គ្មានអ្វីក្នុងកំណត់ហេតុទេ។"),
    "province_title": ("Provinces: carriage and call-ins", "ខេត្ត៖ ការបញ្ជូនបន្ត និងការហៅចូល"),
    "full": ("full", "ពេញ"),
    "partial": ("partial", "ដោយផ្នែក"),
    "unknown": ("unknown", "មិនដឹង"),
    "slots": ("Slots", "ពេលផ្សាយ"),
    "minutes": ("Minutes", "នាទី"),
    "scheduled_min": ("Scheduled min", "នាទីតាមកាលវិភាគ"),
    "aired_min": ("Aired min", "នាទីបានផ្សាយ"),
    "total": ("Total", "សរុប"),
    "charts": ("Charts", "តារាងក្រាហ្វិក"),
    "airtime_by_province": ("Minutes aired per province", "នាទីផ្សាយតាមខេត្ត"),
    "callins_by_province": ("Call-ins per province", "ការហៅចូលតាមខេត្ត"),
    "airtime_by_partner": ("Minutes aired per partner", "នាទីផ្សាយតាមដៃគូ"),
    "callins_by_partner": ("Call-ins per partner", "ការហៅចូលតាមដៃគូ"),
    "no_data": ("No data for this period.", "គ្មានទិន្នន័យសម្រាប់រយៈពេលនេះទេ។"),
    "forbidden": ("Not allowed", "មិនអនុញ្ញាត"),
    "csrf_refused": (
        "The form expired or did not come from this page; reload the page.",
        "ទម្រង់ផុតកំណត់ ឬមិនមែនមកពីទំព័រនេះ សូមផ្ទុកទំព័រឡើងវិញ។",
    ),
    "operators_only": ("Only operators can change this.", "មានតែប្រតិបត្តិករទេដែលអាចកែប្រែ។"),
    "home": ("Home", "ទំព័រដើម"),
    "waiting": ("waiting", "កំពុងរង់ចាំ"),
    "dropped": ("dropped", "បានបោះបង់"),
    "aired": ("aired", "បានផ្សាយ"),
    "failed": ("failed", "បរាជ័យ"),
    "missed": ("missed", "ខកខាន"),
    "cut": ("cut", "ត្រូវកាត់"),
    "on_air_state": ("on air", "កំពុងផ្សាយ"),
    "api_docs": ("API documentation", "ឯកសារ API"),
}

WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "km": ("ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍", "អាទិត្យ"),
}


def pick(value: str | None) -> str:
    """A supported language code, English when `value` is none of them."""
    return value if value in LANGUAGES else "en"


class Words:
    """The interface's words in one language: `words("week")`, `words.day(moment)`."""

    def __init__(self, lang: str, zone: ZoneInfo) -> None:
        self.lang, self.zone = pick(lang), zone

    def __call__(self, key: str) -> str:
        pair = WORDS.get(key)
        if pair is None:
            return key.replace("_", " ")
        return pair[1] if self.lang == "km" else pair[0]

    def local(self, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A stored (UTC) time shown in the station's zone."""
        return "" if moment is None else moment.astimezone(self.zone).strftime(fmt)

    def day(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{WEEKDAYS[self.lang][local.weekday()]} {local:%d-%m}"
