# expect: none
import json
import urllib.parse
from urllib.parse import urlencode

query = urlencode({"a": 1})
address = "http://example.com"  # a string, not a connection
print(json.dumps({"url": urllib.parse.quote(address), "q": query}))
