#!/usr/bin/python3
"""Real-client scenarios for crmsync's CalDAV/CardDAV server, driven by Debian's python3-caldav.

Usage: /usr/bin/python3 caldav_scenarios.py URL LOGIN PASSWORD

Runs every scenario, prints one JSON object per line ({"scenario": ..., "ok": bool, ...}) and
exits 1 when any scenario failed. The vitest test test/dav/clients/caldav.test.ts starts the
server, runs this script and checks the CRM side afterwards.
"""
import base64
import json
import sys
import urllib.error
import urllib.request
import traceback
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

import caldav
from caldav.elements import dav
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error

URL, LOGIN, PASSWORD = sys.argv[1:4]
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALDAV = "urn:ietf:params:xml:ns:caldav"

BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


class AddressbookHomeSet(ValuedBaseElement):
    tag = "{%s}addressbook-home-set" % CARDDAV


def ymd(d):
    return d.strftime("%Y%m%d")


def utc(d, hour):
    """A naive local Europe/Berlin wall time on date d, as an aware UTC datetime (winter or summer)."""
    # Good enough for the test windows: the windows below span whole days with margins.
    return datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc)


def stamp():
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(*components, tz=True):
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//python-caldav scenarios//EN"]
    if tz:
        body.append(BERLIN)
    body.extend(components)
    body.append("END:VCALENDAR")
    return "\r\n".join("\r\n".join(body).split("\n")) + "\r\n"


results = []


def scenario(name):
    def wrap(fn):
        def run(*args):
            try:
                details = fn(*args) or {}
                results.append({"scenario": name, "ok": True, **details})
                print(json.dumps(results[-1]), flush=True)
                return details
            except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
                results.append({"scenario": name, "ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()})
                print(json.dumps(results[-1]), flush=True)
                return None
        return run
    return wrap


def raw(method, url, body=None, headers=None):
    """One request outside the library (it raises on 403 and hides the body): (status, headers, text)."""
    req = urllib.request.Request(url, data=None if body is None else body.encode(), method=method)
    token = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def check(cond, message):
    if not cond:
        raise AssertionError(message)


client = caldav.DAVClient(url=URL, username=LOGIN, password=PASSWORD)


@scenario("discovery")
def discovery():
    principal = client.principal()
    check("/dav/principals/" in str(principal.url), f"principal URL {principal.url}")
    calendars = principal.calendars()
    names = sorted(c.get_display_name() for c in calendars)
    check(names == ["Calendar", "Tasks"], f"calendars {names}")
    by_name = {c.get_display_name(): c for c in calendars}
    components = {n: sorted(c.get_supported_components()) for n, c in by_name.items()}
    check(components == {"Calendar": ["VEVENT"], "Tasks": ["VTODO"]}, f"components {components}")
    # The address book: addressbook-home-set on the principal (RFC 6352 §7.1.1), then its
    # children whose resourcetype is CARDDAV:addressbook.
    home = principal.get_property(AddressbookHomeSet())
    check(home is not None and home.endswith("/"), f"addressbook-home-set {home!r}")
    home_url = client.url.join(home)
    response = client.propfind(str(home_url), props='<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>', depth=1)
    books = []
    for r in response.tree.findall("{DAV:}response"):
        href = r.findtext("{DAV:}href")
        if r.find(".//{DAV:}resourcetype/{%s}addressbook" % CARDDAV) is not None:
            books.append((href, r.findtext(".//{DAV:}displayname")))
    check(len(books) == 1 and books[0][1] == "Contacts", f"address books {books}")
    dav_header = client.options(str(principal.url)).headers.get("DAV", "")
    check("calendar-access" in dav_header and "addressbook" in dav_header, f"DAV header {dav_header}")
    return {"calendars": names, "addressbook": books[0][0]}


def calendar_named(name):
    return next(c for c in client.principal().calendars() if c.get_display_name() == name)


@scenario("put-get-etag")
def put_get_etag():
    cal = calendar_named("Calendar")
    day = date.today() + timedelta(days=2)
    ev = cal.save_event(calendar_text("\n".join([
        "BEGIN:VEVENT", "UID:pycaldav-single-1", f"DTSTAMP:{stamp()}",
        f"DTSTART;TZID=Europe/Berlin:{ymd(day)}T090000", f"DTEND;TZID=Europe/Berlin:{ymd(day)}T100000",
        "SUMMARY:Viewing Via Roma 12", "LOCATION:Via Roma 12\\, Milano", "X-PYCALDAV-MARK:kept", "END:VEVENT"])))
    url = str(ev.url)
    status, headers, body = raw("GET", url)
    check(status == 200, f"GET {status}")
    etag = headers.get("ETag")
    check(etag and etag.startswith('"') and etag.endswith('"'), f"strong ETag {etag!r}")
    check("SUMMARY:Viewing Via Roma 12" in body, "summary served back")
    check("X-PYCALDAV-MARK:kept" in body, "X- property served back")
    check(raw("GET", url)[1].get("ETag") == etag, "ETag stable across GETs")
    # The library's update path: load, change, save.
    ev2 = cal.event_by_url(url)
    ev2.load()
    ev2.vobject_instance.vevent.summary.value = "Viewing Via Roma 12 (2nd)"
    ev2.save()
    _, after_headers, after = raw("GET", url)
    check("SUMMARY:Viewing Via Roma 12 (2nd)" in after, "edit stored")
    new_etag = after_headers.get("ETag")
    check(new_etag != etag, "ETag changes when the bytes change")
    ical = {"Content-Type": "text/calendar; charset=utf-8"}
    stale = raw("PUT", url, after, {"If-Match": etag, **ical})[0]
    check(stale == 412, f"PUT with a stale If-Match: {stale}")
    dup = raw("PUT", url, after, {"If-None-Match": "*", **ical})[0]
    check(dup == 412, f"PUT If-None-Match:* on an existing item: {dup}")
    ok = raw("PUT", url, after, {"If-Match": new_etag, **ical})[0]
    check(ok in (200, 204), f"PUT with the current If-Match: {ok}")
    by_uid = cal.event_by_uid("pycaldav-single-1")
    check(str(by_uid.url) == url, f"event_by_uid {by_uid.url}")
    return {"url": urlparse(url).path, "etag": etag}


@scenario("time-range-recurring")
def time_range_recurring():
    cal = calendar_named("Calendar")
    # A weekly series of 6 on Mondays at 10:00 Berlin, starting two to three weeks ahead:
    # occurrence 2 moved to Tuesday 15:00, occurrence 3 cancelled by EXDATE, occurrence 5
    # cancelled by an exception with STATUS:CANCELLED.
    today = date.today()
    first = today + timedelta(days=14 + (7 - today.weekday()) % 7)
    occ = [first + timedelta(weeks=i) for i in range(6)]
    text = calendar_text(
        "\n".join([
            "BEGIN:VEVENT", "UID:pycaldav-weekly-1", f"DTSTAMP:{stamp()}",
            f"DTSTART;TZID=Europe/Berlin:{ymd(occ[0])}T100000", f"DTEND;TZID=Europe/Berlin:{ymd(occ[0])}T110000",
            "RRULE:FREQ=WEEKLY;COUNT=6", f"EXDATE;TZID=Europe/Berlin:{ymd(occ[2])}T100000",
            "SUMMARY:Weekly review", "END:VEVENT"]),
        "\n".join([
            "BEGIN:VEVENT", "UID:pycaldav-weekly-1", f"DTSTAMP:{stamp()}",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{ymd(occ[1])}T100000",
            f"DTSTART;TZID=Europe/Berlin:{ymd(occ[1] + timedelta(days=1))}T150000",
            f"DTEND;TZID=Europe/Berlin:{ymd(occ[1] + timedelta(days=1))}T160000",
            "SUMMARY:Weekly review (moved)", "END:VEVENT"]),
        "\n".join([
            "BEGIN:VEVENT", "UID:pycaldav-weekly-1", f"DTSTAMP:{stamp()}",
            f"RECURRENCE-ID;TZID=Europe/Berlin:{ymd(occ[4])}T100000",
            f"DTSTART;TZID=Europe/Berlin:{ymd(occ[4])}T100000", f"DTEND;TZID=Europe/Berlin:{ymd(occ[4])}T110000",
            "STATUS:CANCELLED", "SUMMARY:Weekly review", "END:VEVENT"]),
    )
    weekly = cal.save_event(text)
    # A single event on occurrence 3's Monday so that day is not empty.
    cal.save_event(calendar_text("\n".join([
        "BEGIN:VEVENT", "UID:pycaldav-other-1", f"DTSTAMP:{stamp()}",
        f"DTSTART;TZID=Europe/Berlin:{ymd(occ[2])}T140000", f"DTEND;TZID=Europe/Berlin:{ymd(occ[2])}T143000",
        "SUMMARY:Call", "END:VEVENT"])))

    def uids(d0, d1):
        found = cal.search(start=utc(d0, 0), end=utc(d1, 0), event=True, expand=False)
        return sorted({str(o.vobject_instance.vevent.uid.value) for o in found})

    day = timedelta(days=1)
    windows = {
        "first occurrence": (occ[0], occ[0] + day, ["pycaldav-weekly-1"]),
        "moved occurrence's original day": (occ[1], occ[1] + day, []),
        "moved occurrence's new day": (occ[1] + day, occ[1] + 2 * day, ["pycaldav-weekly-1"]),
        "EXDATE day": (occ[2], occ[2] + day, ["pycaldav-other-1"]),
        "fourth occurrence": (occ[3], occ[3] + day, ["pycaldav-weekly-1"]),
        "STATUS:CANCELLED exception's day": (occ[4], occ[4] + day, []),
        "after the series": (occ[5] + day, occ[5] + 8 * day, []),
        "week before": (occ[0] - 7 * day, occ[0], []),
    }
    got = {}
    for label, (d0, d1, want) in windows.items():
        got[label] = uids(d0, d1)
        check(got[label] == want, f"{label} [{d0}, {d1}): got {got[label]}, want {want}")
    # Server-side expand over the whole series: occurrences 1, 2 (moved), 4 and 6.
    expanded = cal.search(start=utc(occ[0], 0), end=utc(occ[5] + day, 0), event=True, expand=True)
    starts = sorted(str(o.vobject_instance.vevent.dtstart.value.astimezone(timezone.utc).date())
                    for o in expanded if str(o.vobject_instance.vevent.uid.value) == "pycaldav-weekly-1")
    want_starts = sorted(str(d) for d in [occ[0], occ[1] + day, occ[3], occ[5]])
    check(starts == want_starts, f"expanded occurrences {starts}, want {want_starts}")
    return {"windows": got, "expanded": starts, "url": urlparse(str(weekly.url)).path}


@scenario("sync-token")
def sync_token():
    cal = calendar_named("Calendar")
    snapshot = cal.objects(load_objects=True)
    token = snapshot.sync_token
    check(token, "initial sync-token")
    urls = sorted(str(o.url) for o in snapshot)
    check(len(urls) >= 3, f"initial objects {urls}")
    # Nothing changed: an incremental sync is empty.
    check(list(cal.objects_by_sync_token(sync_token=token)) == [], "no changes since the token")
    day = date.today() + timedelta(days=3)
    new = cal.save_event(calendar_text("\n".join([
        "BEGIN:VEVENT", "UID:pycaldav-sync-new", f"DTSTAMP:{stamp()}",
        f"DTSTART;TZID=Europe/Berlin:{ymd(day)}T080000", f"DTEND;TZID=Europe/Berlin:{ymd(day)}T083000",
        "SUMMARY:New after token", "END:VEVENT"])))
    victim = cal.event_by_uid("pycaldav-other-1")
    victim_url = str(victim.url)
    victim.delete()
    updated, deleted = snapshot.sync()
    updated_urls = sorted(str(o.url) for o in updated)
    deleted_urls = sorted(str(o.url) for o in deleted)
    check(updated_urls == [str(new.url)], f"updated {updated_urls}")
    check(deleted_urls == [victim_url], f"deleted {deleted_urls}")
    check(snapshot.sync_token != token, "the token moved on")
    # The raw report names the deletion as a 404 response (RFC 6578 §3.5.2).
    report = client.report(str(cal.url), f'<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>', depth=0)
    statuses = {r.findtext("{DAV:}href"): r.findtext("{DAV:}status") for r in report.tree.findall("{DAV:}response")}
    check(any(urlparse(victim_url).path == urlparse(h).path and s and " 404 " in s for h, s in statuses.items()), f"404 for the deleted href: {statuses}")
    # A token the server never issued: 403 valid-sync-token, never a silent full listing.
    bad_status, _, bad_body = raw("REPORT", str(cal.url), '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>http://example.com/ns/sync/bogus</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>', {"Content-Type": "application/xml", "Depth": "0"})
    check(bad_status == 403 and "valid-sync-token" in bad_body, f"unknown token: {bad_status} {bad_body[:200]}")
    return {"updated": [urlparse(u).path for u in updated_urls], "deleted": [urlparse(u).path for u in deleted_urls]}


@scenario("vtodo")
def vtodo():
    tasks = calendar_named("Tasks")
    due = date.today() + timedelta(days=5)
    todo = tasks.save_todo(calendar_text("\n".join([
        "BEGIN:VTODO", "UID:pycaldav-todo-1", f"DTSTAMP:{stamp()}", f"DUE;VALUE=DATE:{ymd(due)}",
        "SUMMARY:Send the exposé", "PRIORITY:1", "STATUS:NEEDS-ACTION", "END:VTODO"]), tz=False))
    tasks.save_todo(calendar_text("\n".join([
        "BEGIN:VTODO", "UID:pycaldav-todo-2", f"DTSTAMP:{stamp()}", "SUMMARY:Call the notary", "END:VTODO"]), tz=False))
    pending = sorted(str(t.vobject_instance.vtodo.uid.value) for t in tasks.todos())
    check(pending == ["pycaldav-todo-1", "pycaldav-todo-2"], f"pending {pending}")
    todo.load()
    todo.complete()
    pending = sorted(str(t.vobject_instance.vtodo.uid.value) for t in tasks.todos())
    check(pending == ["pycaldav-todo-2"], f"pending after complete {pending}")
    everything = sorted(str(t.vobject_instance.vtodo.uid.value) for t in tasks.todos(include_completed=True))
    check(everything == ["pycaldav-todo-1", "pycaldav-todo-2"], f"all todos {everything}")
    done = tasks.todo_by_uid("pycaldav-todo-1")
    done.load()
    check("STATUS:COMPLETED" in done.data and "COMPLETED:" in done.data, "completed task served as COMPLETED")
    # A VTODO does not belong in the event calendar (supported-calendar-component).
    try:
        calendar_named("Calendar").save_todo(calendar_text("\n".join([
            "BEGIN:VTODO", "UID:pycaldav-todo-wrong", f"DTSTAMP:{stamp()}", "SUMMARY:wrong place", "END:VTODO"]), tz=False))
        raise AssertionError("a VTODO was accepted by the VEVENT calendar")
    except (error.PutError, error.AuthorizationError) as e:
        check("Forbidden" in str(e) or "403" in str(e), f"refusal {e}")
    status, _, body = raw("PUT", str(calendar_named("Calendar").url) + "pycaldav-todo-wrong.ics", calendar_text("\n".join([
        "BEGIN:VTODO", "UID:pycaldav-todo-wrong", f"DTSTAMP:{stamp()}", "SUMMARY:wrong place", "END:VTODO"]), tz=False), {"Content-Type": "text/calendar"})
    check(status == 403 and "supported-calendar-component" in body, f"refusal {status} {body[:200]}")
    return {"pending": pending}


discovery()
put_get_etag()
time_range_recurring()
sync_token()
vtodo()
sys.exit(0 if all(r["ok"] for r in results) else 1)
