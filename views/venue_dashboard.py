"""Home page list of 功能室预约 (registered with app/features/dashboard.py): today's bookings of the rooms the login
user manages (后勤主任: of every room), within the user's data scope; nothing for someone managing no room."""
from __future__ import annotations

from app.features.dashboard import LISTING, Entry, Listing, page_url, widget

from .venue_calendar import todays_bookings_for_manager

SHOWN = 6


@widget("todays_bookings", "今日预约", kind=LISTING, needs="VenueCalendar", order=14, icon="fa-calendar",
        reads=("VenueBooking", "Venue", "Staff", "Department"))
def todays_bookings() -> Listing | None:
    found = todays_bookings_for_manager()
    if found is None:
        return None
    bookings, _everyone = found
    url = page_url("VenueCalendar", "today")
    entries = [Entry(f"{b.venue} {b.periods_text()}　{b.purpose}",
                     url=url, note=f"{b.applicant.name if b.applicant else ''}·{b.status}") for b in bookings[:SHOWN]]
    return Listing(len(bookings), entries, url=url, empty="今天没有预约", caption=f"今天共 {len(bookings)} 项预约")
