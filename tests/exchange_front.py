"""Reading the provincial front database in the exchange tests (what the province holds)."""
from collections import Counter

from sqlalchemy import create_engine, text

TABLES = {
    "flow": "SPGL_DFXMSPLCXXB", "stage": "SPGL_DFXMSPLCJDXXB", "item": "SPGL_DFXMSPLCJDSXXXB",
    "project": "SPGL_XMJBXXB", "unit": "SPGL_XMDWXXB", "case": "SPGL_XMSPSXBLXXB", "step": "SPGL_XMSPSXBLXXXXB",
    "document": "SPGL_XMSPSXPFWJXXB", "attachment": "SPGL_XMQTFJXXB", "redline": "SPGL_XMYDHXJZXXB",
    "intermediary": "SPGL_ZJFWSXBLXXB",
}


class Front:
    def __init__(self, url):
        self.url = url
        self.engine = create_engine(url)

    def rows(self, kind, where="1=1", **params):
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(
                f"SELECT * FROM {TABLES[kind]} WHERE {where} ORDER BY LSH"), params).mappings()]

    def duplicates(self):
        """(table, DFSJZJ, version) written more than once, over every table."""
        found = {}
        for kind in TABLES:
            counted = Counter((r["DFSJZJ"], r["SJBB"]) for r in self.rows(kind))
            found.update({(kind, *key): n for key, n in counted.items() if n > 1})
        return found

    def count(self, kind):
        return len(self.rows(kind))

    def close(self):
        self.engine.dispose()
