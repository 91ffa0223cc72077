"""The EMC tracking snippet in the shapes real portals embed it (criteria.md)."""

from __future__ import annotations

STANDARD = """<!-- Begin EMC Tracking Code -->
<script type="text/javascript">
  var _govaq = window._govaq || [];
  _govaq.push(['trackPageView']);
  _govaq.push(['enableLinkTracking']);
  (function () {
    _govaq.push(['setTrackerUrl', '{tracker}/tracking']);
    _govaq.push(['setSiteId', '{site}']);
    var d = document, g = d.createElement('script'), s = d.getElementsByTagName('script')[0];
    g.type = 'text/javascript'; g.async = true; g.defer = true;
    g.src = '{tracker}/embed/gov-tracking.min.js';
    s.parentNode.insertBefore(g, s);
  })();
</script>
<!-- End EMC Tracking Code -->"""

MINIFIED = ("<script>var _govaq=window._govaq||[];_govaq.push(['trackPageView']);"
            "_govaq.push(['enableLinkTracking']);(function(){_govaq.push(['setTrackerUrl',"
            "'{tracker}/tracking']);_govaq.push(['setSiteId','{site}']);var d=document,"
            "g=d.createElement('script'),s=d.getElementsByTagName('script')[0];"
            "g.type='text/javascript';g.async=true;g.defer=true;"
            "g.src='{tracker}/embed/gov-tracking.min.js';s.parentNode.insertBefore(g,s);})();"
            "</script>")


def snippet(tracker: str, site_id: str, style: str = "standard") -> str:
    """The snippet for tracker origin `tracker`: standard, minified or commented out."""
    template = MINIFIED if style == "minified" else STANDARD
    code = template.replace("{tracker}", tracker).replace("{site}", site_id)
    if style == "commented":
        inner = code.replace("<!-- Begin EMC Tracking Code -->\n", "").replace(
            "\n<!-- End EMC Tracking Code -->", "")
        return f"<!-- Begin EMC Tracking Code (tạm tắt)\n{inner}\nEnd EMC Tracking Code -->"
    return code
