# expect: sandbox.network@4
import urllib

page = urllib.request.urlopen("http://example.com")
