"""A stand-in for NCBI E-utilities and the ClinicalTrials.gov API v2, for the harvester's tests.

Usage: python3 harvest_fixture.py [--port PORT] [--max-threads N]
Prints "listening <port>" once it accepts connections (on 127.0.0.1 only; a free port unless --port).

Every record it serves is SYNTHETIC and labelled so: titles start "SYNTHETIC harvest fixture",
PMIDs are numbered from 990000001, NCT ids from NCT99000001. The answers are shaped as the
public documentation shows them:
  GET /entrez/eutils/esearch.fcgi   eSearchResult XML (usehistory=y: QueryKey and WebEnv)
  GET /entrez/eutils/efetch.fcgi    PubmedArticleSet XML from the history server's result set
  GET /api/v2/version               {"apiVersion", "dataTimestamp"}
  GET /api/v2/studies               {"studies": [...], "nextPageToken", "totalCount"}

The tests steer it through JSON POSTs under /_fixture/ (these are not logged):
  /_fixture/pubmed/articles   {"articles": [{pmid?, entry_date, title, year?, abstract?, mesh?, keywords?,
                                             publication_types?}]} -> {"pmids": [...]}
  /_fixture/ctgov/studies     {"studies": [{nct_id?, title, last_update, conditions?, keywords?, study_type?,
                                            allocation?, masking?, phases?, interventions?, start_date?,
                                            enrollment?, summary?}]} -> {"nct_ids": [...]}; an nct_id
                              given again replaces that study (an update)
  /_fixture/ctgov/version     {"data_timestamp": "2026-11-30T09:00:05"}
  /_fixture/ctgov/options     {"trailing_empty_page": true}: the last page of studies carries a
                              nextPageToken leading to an empty page (that itself carries another token)
  /_fixture/faults            {"path": "/api/v2/studies", "faults": [{status?, retry_after?, location?,
                              delay?, malformed?}, ...]}: each request to that path takes the next
                              fault in the queue; delay (seconds) comes first, then a status (with
                              Retry-After or Location when given) or a malformed body, else the normal answer
  /_fixture/requests/clear    empties the request log
  GET /_fixture/requests      {"requests": [{method, path, query: {name: [values]}, time, host, status}]}:
                              every other request, in arrival order, with its arrival time (Unix seconds)

Bounded: at most --max-threads requests at once (others wait to be accepted), control bodies of
at most 1 MiB, the request log and the history sets capped.
"""
import argparse
import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

LABEL = "SYNTHETIC harvest fixture"
MAX_BODY = 1 << 20
MAX_LOG = 20000
MAX_SETS = 1000
STOP_WORDS = {"and", "or", "not"}


def labelled(title):
    title = title or "untitled"
    return title if title.startswith(LABEL) else f"{LABEL}: {title}"


def words(text):
    return [w for w in re.findall(r"[a-z0-9]+", (text or "").lower()) if w not in STOP_WORDS]


def matches(term, text):
    haystack = set(words(text))
    return all(w in haystack for w in words(term))


def ncbi_day(text):
    """'2026/11/20' (or '2026-11-20') as '2026-11-20'; None when absent."""
    if not text:
        return None
    parts = re.split(r"[/-]", text)
    parts += ["01"] * (3 - len(parts))
    return "-".join([parts[0].zfill(4), parts[1].zfill(2), parts[2].zfill(2)])


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.articles = {}
        self.next_pmid = 990000001
        self.history = {}
        self.studies = {}
        self.next_nct = 99000001
        self.data_timestamp = "2026-01-01T09:00:00"
        self.trailing_empty_page = False
        self.tokens = {}
        self.faults = {}
        self.log = deque(maxlen=MAX_LOG)


STATE = State()


# MARK: PubMed

def article_xml(a):
    pmid = escape(a["pmid"])
    year = int(a.get("year") or a["entry_date"][:4])
    y, m, d = a["entry_date"].split("-")
    pub_types = "".join(f"<PublicationType UI=\"\">{escape(t)}</PublicationType>"
                        for t in (a.get("publication_types") or ["Journal Article"]))
    mesh = "".join(f"<MeshHeading><DescriptorName UI=\"\" MajorTopicYN=\"N\">{escape(t)}</DescriptorName></MeshHeading>"
                   for t in a.get("mesh", []))
    keywords = "".join(f"<Keyword MajorTopicYN=\"N\">{escape(t)}</Keyword>" for t in a.get("keywords", []))
    abstract = a.get("abstract") or "Synthetic text made for the harvester's tests; it describes no real study."
    mesh_list = f"<MeshHeadingList>{mesh}</MeshHeadingList>" if mesh else ""
    keyword_list = '<KeywordList Owner="NOTNLM">' + keywords + "</KeywordList>" if keywords else ""
    return f"""<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">{pmid}</PMID>
    <Article PubModel="Print">
      <Journal>
        <JournalIssue CitedMedium="Internet"><PubDate><Year>{year}</Year></PubDate></JournalIssue>
        <Title>Synthetic Journal of Harvest Fixtures</Title>
        <ISOAbbreviation>Synth J Harvest Fixtures</ISOAbbreviation>
      </Journal>
      <ArticleTitle>{escape(a["title"])}</ArticleTitle>
      <Abstract><AbstractText>{escape(abstract)}</AbstractText></Abstract>
      <AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Fixture</LastName><ForeName>Synthetic</ForeName><Initials>S</Initials></Author></AuthorList>
      <Language>eng</Language>
      <PublicationTypeList>{pub_types}</PublicationTypeList>
    </Article>
    {mesh_list}
    {keyword_list}
  </MedlineCitation>
  <PubmedData>
    <History><PubMedPubDate PubStatus="entrez"><Year>{y}</Year><Month>{int(m)}</Month><Day>{int(d)}</Day></PubMedPubDate></History>
    <PublicationStatus>ppublish</PublicationStatus>
    <ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>
  </PubmedData>
</PubmedArticle>
"""


def esearch(query):
    term = query.get("term", [""])[0]
    if not term.strip():
        return 200, "text/xml", "<eSearchResult><ERROR>Empty term and query_key - nothing todo</ERROR></eSearchResult>"
    lowest = ncbi_day(query.get("mindate", [None])[0])
    highest = ncbi_day(query.get("maxdate", [None])[0])
    use_dates = query.get("datetype", [""])[0] == "edat"
    with STATE.lock:
        found = []
        for pmid in sorted(STATE.articles, reverse=True):
            a = STATE.articles[pmid]
            text = " ".join([a["title"], a.get("abstract", "")] + a.get("mesh", []) + a.get("keywords", []))
            if not matches(term, text):
                continue
            if use_dates and ((lowest and a["entry_date"] < lowest) or (highest and a["entry_date"] > highest)):
                continue
            found.append(pmid)
        webenv = f"MCID_fixture_{uuid.uuid4().hex}"
        if query.get("usehistory", [""])[0] == "y":
            if len(STATE.history) >= MAX_SETS:
                STATE.history.pop(next(iter(STATE.history)))
            STATE.history[webenv] = found
    history = f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv>" if query.get("usehistory", [""])[0] == "y" else ""
    ids = "".join(f"<Id>{p}</Id>" for p in found[:int(query.get("retmax", ["20"])[0] or 0)])
    body = f"""<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">
<eSearchResult><Count>{len(found)}</Count><RetMax>{min(len(found), len(ids))}</RetMax><RetStart>0</RetStart>{history}<IdList>{ids}</IdList><TranslationSet/><TranslationStack><TermSet><Term>{escape(term)}[All Fields]</Term><Field>All Fields</Field><Count>{len(found) + 7}</Count><Explode>N</Explode></TermSet><OP>GROUP</OP></TranslationStack><QueryTranslation>{escape(term)}[All Fields]</QueryTranslation></eSearchResult>
"""
    return 200, "text/xml", body


def efetch(query):
    webenv = query.get("WebEnv", [""])[0]
    with STATE.lock:
        found = STATE.history.get(webenv)
        if found is None or query.get("query_key", [""])[0] != "1":
            return 400, "text/xml", "<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"
        start = int(query.get("retstart", ["0"])[0] or 0)
        count = int(query.get("retmax", ["20"])[0] or 20)
        chosen = [STATE.articles[p] for p in found[start:start + count] if p in STATE.articles]
    body = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
            + "".join(article_xml(a) for a in chosen) + "</PubmedArticleSet>\n")
    return 200, "text/xml", body


# MARK: ClinicalTrials.gov

def study_json(s):
    design = {"studyType": s.get("study_type", "INTERVENTIONAL")}
    if s.get("phases"):
        design["phases"] = s["phases"]
    info = {}
    if s.get("allocation"):
        info["allocation"] = s["allocation"]
        info["interventionModel"] = "PARALLEL"
    if s.get("masking"):
        info["maskingInfo"] = {"masking": s["masking"]}
    if info:
        design["designInfo"] = info
    if s.get("enrollment"):
        design["enrollmentInfo"] = {"count": s["enrollment"], "type": "ACTUAL"}
    protocol = {
        "identificationModule": {"nctId": s["nct_id"], "briefTitle": s["title"]},
        "statusModule": {"overallStatus": "COMPLETED",
                         "startDateStruct": {"date": s.get("start_date", "2025-03")},
                         "studyFirstSubmitDate": "2025-01-10",
                         "lastUpdatePostDateStruct": {"date": s["last_update"], "type": "ACTUAL"}},
        "descriptionModule": {"briefSummary": s.get("summary")
                              or "Synthetic text made for the harvester's tests; it describes no real study."},
        "conditionsModule": {"conditions": s.get("conditions", [])},
        "designModule": design,
    }
    if s.get("keywords"):
        protocol["conditionsModule"]["keywords"] = s["keywords"]
    if s.get("interventions"):
        protocol["armsInterventionsModule"] = {"interventions": [{"type": "DRUG", "name": n} for n in s["interventions"]]}
    return {"protocolSection": protocol, "hasResults": False}


def parse_range(text):
    m = re.fullmatch(r"AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),([^\]]+)\]", text.strip())
    if not m:
        return None
    low, high = m.group(1).strip(), m.group(2).strip()
    return (None if low == "MIN" else low, None if high == "MAX" else high)


def studies(query):
    token = query.get("pageToken", [None])[0]
    size = max(1, min(1000, int(query.get("pageSize", ["10"])[0] or 10)))
    with STATE.lock:
        if token is not None:
            entry = STATE.tokens.get(token)
            if entry is None:
                return 400, "text/plain", "invalid pageToken"
            found, start = entry
        else:
            window = (None, None)
            advanced = query.get("filter.advanced", [None])[0]
            if advanced is not None:
                window = parse_range(advanced)
                if window is None:
                    return 400, "text/plain", f"filter.advanced: cannot read {advanced}"
            term = query.get("query.term", [""])[0]
            cond = query.get("query.cond", [""])[0]
            found = []
            for nct in sorted(STATE.studies):
                s = STATE.studies[nct]
                text = " ".join([s["title"], s.get("summary", "")] + s.get("conditions", []) + s.get("keywords", [])
                                + s.get("interventions", []))
                if not matches(term, text) or not matches(cond, " ".join(s.get("conditions", []))):
                    continue
                if (window[0] and s["last_update"] < window[0]) or (window[1] and s["last_update"] > window[1]):
                    continue
                found.append(nct)
            start = 0
        chosen = [study_json(STATE.studies[n]) for n in found[start:start + size] if n in STATE.studies]
        page = {"studies": chosen}
        if token is None and query.get("countTotal", [""])[0] == "true":
            page["totalCount"] = len(found)
        following = start + size
        if chosen and (following < len(found) or STATE.trailing_empty_page):
            page["nextPageToken"] = new_token(found, following)
        elif not chosen and STATE.trailing_empty_page:
            page["nextPageToken"] = new_token(found, following)  # the pitfall: a token on an empty page
    return 200, "application/json", json.dumps(page)


def new_token(found, start):
    if len(STATE.tokens) >= MAX_SETS:
        STATE.tokens.pop(next(iter(STATE.tokens)))
    token = uuid.uuid4().hex[:16]
    STATE.tokens[token] = (found, start)
    return token


def version(_query):
    with STATE.lock:
        return 200, "application/json", json.dumps({"apiVersion": "2.0.5", "dataTimestamp": STATE.data_timestamp})


ROUTES = {
    "/entrez/eutils/esearch.fcgi": (esearch, "text/xml", "<eSearchResult><Count>1</Count><QueryKey>1</Que"),
    "/entrez/eutils/efetch.fcgi": (efetch, "text/xml",
                                   "<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation>\n"
                                   "<PMID>990000001</PMID>\n<Article><ArticleTitle>SYNTHETIC harvest fixture: cut"),
    "/api/v2/version": (version, "application/json", "{\"apiVersion\": \"2.0.5\", \"dataTi"),
    "/api/v2/studies": (studies, "application/json", "{\"studies\": [{\"protocolSection\": {\"identificationModule\": "),
}


# MARK: Control

def control(path, body):
    if path == "/_fixture/pubmed/articles":
        pmids = []
        with STATE.lock:
            for a in body.get("articles", []):
                pmid = str(a.get("pmid") or STATE.next_pmid)
                STATE.next_pmid = max(STATE.next_pmid, int(pmid) + 1)
                article = dict(a, pmid=pmid, title=labelled(a.get("title")), entry_date=ncbi_day(a["entry_date"]))
                STATE.articles[pmid] = article
                pmids.append(pmid)
        return {"pmids": pmids}
    if path == "/_fixture/ctgov/studies":
        ids = []
        with STATE.lock:
            for s in body.get("studies", []):
                nct = s.get("nct_id") or f"NCT{STATE.next_nct}"
                STATE.next_nct = max(STATE.next_nct, int(nct[3:]) + 1)
                STATE.studies[nct] = dict(s, nct_id=nct, title=labelled(s.get("title")))
                ids.append(nct)
        return {"nct_ids": ids}
    if path == "/_fixture/ctgov/version":
        with STATE.lock:
            STATE.data_timestamp = str(body["data_timestamp"])
        return {}
    if path == "/_fixture/ctgov/options":
        with STATE.lock:
            STATE.trailing_empty_page = bool(body.get("trailing_empty_page", False))
        return {}
    if path == "/_fixture/faults":
        with STATE.lock:
            STATE.faults.setdefault(body["path"], deque()).extend(body.get("faults", [])[:1000])
        return {}
    if path == "/_fixture/requests/clear":
        with STATE.lock:
            STATE.log.clear()
        return {}
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection gives its thread back after this many seconds.
    timeout = 30

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/_fixture/requests":
            with STATE.lock:
                log = list(STATE.log)
            return self.answer(200, "application/json", json.dumps({"requests": log}))
        entry = {"method": "GET", "path": url.path, "query": parse_qs(url.query, keep_blank_values=True),
                 "time": time.time(), "host": self.headers.get("Host", ""), "status": 0}
        with STATE.lock:
            STATE.log.append(entry)
            queue = STATE.faults.get(url.path)
            fault = queue.popleft() if queue else None
        route = ROUTES.get(url.path)
        if fault and fault.get("delay"):
            time.sleep(min(float(fault["delay"]), 60))
        if route is None:
            status, kind, body = 404, "text/plain", "not found"
        elif fault and fault.get("status"):
            status, kind, body = int(fault["status"]), "text/plain", f"fixture fault: HTTP {fault['status']}"
        elif fault and fault.get("malformed"):
            status, kind, body = 200, route[1], route[2]
        else:
            status, kind, body = route[0](entry["query"])
        entry["status"] = status
        headers = {}
        if fault and fault.get("retry_after") is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        if fault and fault.get("location"):
            headers["Location"] = fault["location"]
        self.answer(status, kind, body, headers)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self.answer(413, "text/plain", "too large")
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
            result = control(urlsplit(self.path).path, body)
        except (ValueError, KeyError, TypeError) as error:
            return self.answer(400, "text/plain", f"bad control request: {error}")
        if result is None:
            return self.answer(404, "text/plain", "no such control")
        self.answer(200, "application/json", json.dumps(result))

    def answer(self, status, kind, body, headers=None):
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind + "; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def log_message(self, *args):
        pass


class BoundedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, max_threads):
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(max_threads)

    def process_request(self, request, client_address):
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-threads", type=int, default=32)
    args = parser.parse_args()
    server = BoundedServer(("127.0.0.1", args.port), Handler, args.max_threads)
    print("listening", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
